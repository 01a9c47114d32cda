package dev.cellrunner.runner.serve;

import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where the server's socket lives: a directory only the server's user can enter (0700, owned by it, not
 * a symbolic link), so the file mode (0600) is not the only gate. A socket left by a server that died is
 * replaced; a live one is not.
 */
final class SocketPlace {
    private static final Set<PosixFilePermission> OPEN_TO_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SocketPlace() {
    }

    /** Makes {@code socket}'s directory ready (created 0700 if missing) and removes a stale socket. */
    static Path prepare(Path socket) throws IOException {
        Path path = socket.toAbsolutePath().normalize();
        Path dir = path.getParent();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> open = EnumSet.copyOf(attributes.permissions());
        open.retainAll(OPEN_TO_OTHERS);
        if (!attributes.isDirectory() || owner != LibC.INSTANCE.geteuid() || !open.isEmpty()) {
            throw new IOException(dir + " must be a directory (not a link) owned by uid " + LibC.INSTANCE.geteuid()
                    + " that only its owner can enter (mode 0700; it is "
                    + PosixFilePermissions.toString(attributes.permissions()) + ", owner uid " + owner + ")");
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            removeStale(path);
        }
        return path;
    }

    private static void removeStale(Path path) throws IOException {
        if (!Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException(path + " exists and is not a socket; not replacing it");
        }
        boolean live;
        try (UnixSocket probe = UnixSocket.connect(path)) {
            live = true;
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException("a server is already listening on " + path);
        }
        Files.delete(path); // nobody listens: left by a server that died
    }

    /** Only the owner may connect (the directory already keeps everyone else out). */
    static void restrict(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }
}
