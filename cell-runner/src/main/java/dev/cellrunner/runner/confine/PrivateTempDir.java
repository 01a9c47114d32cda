package dev.cellrunner.runner.confine;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/** The cell's own $TMPDIR: created empty (mode 0700, owned by the cell's user) before start, removed after. */
public final class PrivateTempDir {
    private PrivateTempDir() {
    }

    /** @param owner uid and gid to hand the directory to, or null to keep the runner's */
    public static void create(Path dir, Identity owner) throws IOException {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (owner != null) {
            Files.setAttribute(dir, "unix:uid", owner.uid());
            Files.setAttribute(dir, "unix:gid", owner.gid());
        }
    }

    /** Deletes the tree without following links the workload may have planted in it. */
    public static void remove(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
