package dev.cellrunner.runner.mount;

import dev.cellrunner.linux.Linux;

/**
 * One step of a cell's mount program, performed in order on the launch thread by {@link Mounts}.
 * Paths are in one of three places: the namespace's view before the pivot ({@link Place#HOST}), the
 * new root being built ({@link Place#CELL}, what the cell will see at that path), or the runner's
 * scratch tmpfs outside the new root ({@link Place#SCRATCH}).
 */
public sealed interface MountOp {
    /** Where a path of an operation lives. */
    enum Place {
        HOST("host"), CELL("cell"), SCRATCH("scratch");

        private final String label;

        Place(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** A path in one of the places. */
    record At(Place place, String path) {
        public static At host(String path) {
            return new At(Place.HOST, path);
        }

        public static At cell(String path) {
            return new At(Place.CELL, path);
        }

        public static At scratch(String path) {
            return new At(Place.SCRATCH, path);
        }

        @Override
        public String toString() {
            return place.label() + ":" + path;
        }
    }

    /** One line for {@code plan} and the golden tests. */
    String describe();

    /** A recursive bind of the host's root tree at the staging point of the new root. */
    record StageRoot() implements MountOp {
        public String describe() {
            return "rbind host:/ -> cell:/";
        }
    }

    /** Sets ({@code set}) and clears ({@code clear}) mount attributes (Linux.MOUNT_ATTR_*) of one mount or a tree. */
    record SetAttributes(At target, long set, long clear, boolean recursive) implements MountOp {
        public String describe() {
            return "setattr " + target + " " + MountAttributes.names(set, clear) + (recursive ? " recursive" : "");
        }
    }

    /** A fresh tmpfs of {@code bytes} with root directory mode {@code mode}. */
    record Tmpfs(At target, long bytes, int mode, long attributes) implements MountOp {
        public String describe() {
            return "tmpfs " + target + " size=" + bytes + " mode=" + Integer.toOctalString(mode) + " "
                    + MountAttributes.names(attributes, 0);
        }
    }

    /** A directory, made where nothing of the host's is (a fresh tmpfs). */
    record MakeDir(At target, int mode) implements MountOp {
        public String describe() {
            return "mkdir " + target + " mode=" + Integer.toOctalString(mode);
        }
    }

    /** An empty file to bind another file over. */
    record MakeFile(At target, int mode) implements MountOp {
        public String describe() {
            return "touch " + target + " mode=" + Integer.toOctalString(mode);
        }
    }

    record Symlink(At target, String linkText) implements MountOp {
        public String describe() {
            return "symlink " + target + " -> " + linkText;
        }
    }

    /** A bind mount (recursive) of {@code source} at {@code target}, then its attributes set. */
    record Bind(At source, At target, long attributes) implements MountOp {
        public String describe() {
            return "bind " + source + " -> " + target + " " + MountAttributes.names(attributes, 0);
        }
    }

    /** A bind mount of a path only when the host has it (optional /proc parts). */
    record BindIfPresent(At source, At target, long attributes) implements MountOp {
        public String describe() {
            return "bind-if-present " + source + " -> " + target + " " + MountAttributes.names(attributes, 0);
        }
    }

    /** A proc instance of the cell's PID namespace (that of its PID 1). */
    record Proc(At target) implements MountOp {
        public String describe() {
            return "proc " + target + " pidns=<the cell's PID 1> nosuid,nodev,noexec";
        }
    }

    /** A devpts instance of the cell's own. */
    record Devpts(At target) implements MountOp {
        public String describe() {
            return "devpts " + target + " newinstance,ptmxmode=0666,mode=0620 nosuid,noexec";
        }
    }

    /**
     * Declared path {@code index}: resolved and opened once at the start of the program (the descriptor
     * then serves the landlock rule and the event too), bound at its real path.
     */
    record BindDeclared(MountPlan.DeclaredMount declared) implements MountOp {
        public String describe() {
            return "bind declared " + declared.declared() + " (" + declared.source() + ") -> cell:<its real path> "
                    + (declared.access() == MountPlan.Access.READ_WRITE ? "nosuid,nodev" : "ro,nosuid,nodev");
        }
    }

    /** A file the runner provides, written to the scratch tmpfs and bound read-only at {@code target}. */
    record Provide(int index, At target, int length) implements MountOp {
        public String describe() {
            return "provide " + target + " (" + length + " bytes) ro,nosuid,nodev";
        }
    }

    /**
     * Hides {@code target} where it is visible: an empty read-only directory or file is bound over it
     * (in /proc, mounted later: /dev/null over a file, an empty read-only tmpfs over a directory).
     */
    record Mask(At target) implements MountOp {
        public String describe() {
            return "mask " + target;
        }
    }

    /** pivot_root into the new root, then detach the old one. */
    record PivotRoot() implements MountOp {
        public String describe() {
            return "pivot_root cell:/, detach the old root";
        }
    }
}
