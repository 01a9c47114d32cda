package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A directory of this case on the host's own tree, where a cell sees it through its read-only view of
 * the host: never below /tmp, /var/tmp, /run, /dev or /proc, which a cell has of its own (an attack
 * on a file there would fail because the file is not there, and prove nothing about the host tree).
 * Under the checkout's {@code conformance/target} when that lies on the host tree, else below
 * /var/lib; mode 0755, owned by the case (root), removed at close. Its name is short: a unix socket's
 * path has at most 107 bytes.
 */
public final class HostTreeDir implements AutoCloseable {
    private static final List<Path> CELLS_OWN = Stream.of("/tmp", "/var/tmp", "/run", "/var/run", "/dev", "/proc")
            .map(Path::of).toList();

    private final Path dir;

    private HostTreeDir(Path dir) {
        this.dir = dir;
    }

    public static HostTreeDir create(Harness h, String name) {
        Path base = h.runner().repositoryRoot().resolve("conformance/target");
        try {
            if (isCellsOwn(Files.createDirectories(base).toRealPath())) {
                base = Path.of("/var/lib");
            }
            Path dir = Files.createDirectories(base.resolve("crconf-" + name + "-" + UUID.randomUUID().toString().substring(0, 8)));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new HostTreeDir(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory on the host tree", e);
        }
    }

    /** Whether a cell has its own file system at {@code path} instead of the host's. */
    public static boolean isCellsOwn(Path path) {
        return CELLS_OWN.stream().anyMatch(path::startsWith);
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /** A subdirectory with the given mode, e.g. "rwx------". */
    public Path subdir(String name, String mode) {
        try {
            Path sub = Files.createDirectories(dir.resolve(name));
            Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString(mode));
            return sub;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file with the given text and mode, e.g. "rw-------". */
    public Path file(String name, String text, String mode) {
        try {
            Path file = Files.writeString(dir.resolve(name), text);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
