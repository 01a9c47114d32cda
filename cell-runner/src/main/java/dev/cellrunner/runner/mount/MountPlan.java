package dev.cellrunner.runner.mount;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The mount view one cell gets, resolved at planning time from the document and host facts, without
 * touching the system; {@link MountProgram} compiles it to the ordered mount operations the launch
 * thread performs.
 *
 * @param tempBytes   size cap of the one tmpfs behind the cell's /tmp, /var/tmp and /dev/shm
 * @param tempSource  where that size comes from: {@code default} or {@code document}
 * @param init        the runner's cell-init binary on the host, bound read-only at {@link #INIT_PATH}
 * @param declared    the document's filesystem paths, each bound in at its real path
 * @param privatePaths runner-private paths, masked wherever they would be visible
 * @param provided    files the runner provides at a path (bound read-only over it)
 * @param hostDirs    which of {@link #OPTIONAL_DIRS} are real directories on this host (not links)
 */
public record MountPlan(long tempBytes, String tempSource, Path init, List<DeclaredMount> declared,
                        List<Path> privatePaths, List<ProvidedFile> provided, Set<String> hostDirs) {
    /** Where PID 1 of every cell is found inside it. */
    public static final String INIT_PATH = "/run/cell-init";
    /** Directories of the cell that are fresh mounts; declared paths below them are bound in. */
    public static final List<String> FRESH = List.of("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run", "/dev", "/proc");
    /** Directories that are mount points only where the host has them as real directories. */
    public static final List<String> OPTIONAL_DIRS = List.of("/var/tmp", "/var/run");

    public MountPlan {
        declared = List.copyOf(declared);
        privatePaths = List.copyOf(privatePaths);
        provided = List.copyOf(provided);
        hostDirs = Set.copyOf(hostDirs);
    }

    /** How a declared path is bound into the cell. */
    public enum Access {
        /** readOnly or exec: bound read-only. */
        READ_ONLY,
        /** readWrite: bound writable (nosuid, nodev). */
        READ_WRITE
    }

    /**
     * A path of {@code authority.filesystem}: resolved and opened once on the launch thread, whose
     * descriptor serves the bind mount, the landlock rule and the path the event reports.
     *
     * @param planned its real path at planning; a different one at launch refuses the cell
     */
    public record DeclaredMount(int index, String declared, Path planned, Access access, String source) {
    }

    /**
     * A file the runner provides inside the cell at {@code path} (e.g. /etc/resolv.conf), bound
     * read-only over what the host has there; the host's file is never changed.
     */
    public record ProvidedFile(Path path, byte[] content) {
        public ProvidedFile {
            content = content.clone();
        }

        public static ProvidedFile text(String path, String text) {
            return new ProvidedFile(Path.of(path), text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public byte[] content() {
            return content.clone();
        }
    }

    /**
     * Whether the host's {@code path} is what the cell sees there: not in one of the cell's own tmpfs
     * (/tmp, /var/tmp, /dev/shm, /run, /var/run), unless a declared path brings it in.
     */
    public boolean showsHost(Path path) {
        boolean own = TEMP_AND_RUN.stream().anyMatch(path::startsWith);
        return !own || declared.stream().anyMatch(d -> path.startsWith(d.planned()));
    }

    /** The cell's own, empty or private, directories. */
    static final List<String> TEMP_AND_RUN = List.of("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run");

    /** This plan with {@code file} provided as well: how other parts of the runner add files to the cell. */
    public MountPlan withProvided(ProvidedFile file) {
        List<ProvidedFile> files = new ArrayList<>(provided);
        files.removeIf(existing -> existing.path().equals(file.path()));
        files.add(file);
        return new MountPlan(tempBytes, tempSource, init, declared, privatePaths, files, hostDirs);
    }
}
