package dev.cellrunner.events;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.cellrunner.linux.Linux;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens a path so that neither a hostile directory nor a mistyped operator path can abuse the opener:
 * never blocking (O_NONBLOCK: a FIFO or a device answers at once), without following a final symbolic
 * link when asked (O_NOFOLLOW), and saying what was opened (fstat, fstatfs) before a byte is read or
 * written. The JDK can ask for neither flag nor fstat a channel, hence these four libc calls (x86-64
 * struct layouts). The Java side then uses the checked descriptor through {@code /proc/self/fd}.
 */
public final class CheckedFiles {
    /** Pseudo file systems whose "files" are kernel switches or views, never a trail or a key. */
    private static final Map<Long, String> PSEUDO = Map.of(Linux.PROC_SUPER_MAGIC, "procfs",
            Linux.SYSFS_MAGIC, "sysfs", Linux.CGROUP_SUPER_MAGIC, "cgroupfs", Linux.CGROUP2_SUPER_MAGIC, "cgroup2",
            Linux.DEBUGFS_MAGIC, "debugfs", Linux.TRACEFS_MAGIC, "tracefs", Linux.SECURITYFS_MAGIC, "securityfs",
            Linux.CONFIGFS_MAGIC, "configfs", Linux.EFIVARFS_MAGIC, "efivarfs", Linux.BPF_FS_MAGIC, "bpffs");

    private interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int open(String path, int flags, int mode) throws LastErrorException;

        int fstat(int fd, Pointer stat) throws LastErrorException;

        int fstatfs(int fd, Pointer stat) throws LastErrorException;

        int close(int fd);

        String strerror(int errnum);
    }

    private CheckedFiles() {
    }

    /** What fstat and fstatfs said of an open descriptor. */
    public record Status(int mode, int uid, long size, long fileSystem) {
        public boolean regular() {
            return (mode & Linux.S_IFMT) == Linux.S_IFREG;
        }

        public boolean directory() {
            return (mode & Linux.S_IFMT) == Linux.S_IFDIR;
        }

        /** "a FIFO", "a directory", ...: for messages. */
        public String kind() {
            return switch (mode & Linux.S_IFMT) {
                case Linux.S_IFREG -> "a regular file";
                case Linux.S_IFDIR -> "a directory";
                case Linux.S_IFIFO -> "a FIFO";
                case Linux.S_IFCHR -> "a character device";
                case Linux.S_IFBLK -> "a block device";
                case Linux.S_IFSOCK -> "a socket";
                case Linux.S_IFLNK -> "a symbolic link";
                default -> "an unknown kind of file";
            };
        }

        /** The kernel pseudo file system this lives on (procfs, sysfs, ...), or null for a real one. */
        public String pseudoFileSystem() {
            return PSEUDO.get(fileSystem);
        }
    }

    /** What {@code path} (a final link followed) is, without opening it for I/O; null when it does not exist. */
    public static Status inspect(Path path) throws IOException {
        try (Opened opened = open(path, Linux.O_PATH, 0)) {
            return opened.status();
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    /**
     * Reads a small regular file (a key, a certificate): opened without blocking, refused unless fstat says
     * it is a regular file of at most {@code maxBytes}, so a FIFO, a device or a huge file is never read.
     */
    public static byte[] readSmallRegularFile(Path path, int maxBytes) throws IOException {
        try (Opened opened = open(path, Linux.O_RDONLY, 0)) {
            Status status = opened.status();
            if (!status.regular()) {
                throw new IOException(path + " is " + status.kind() + ", not a regular file");
            }
            if (status.size() > maxBytes) {
                throw new IOException(path + " holds " + status.size() + " bytes, more than such a file may (" + maxBytes + ")");
            }
            try (FileChannel channel = opened.channel(java.nio.file.StandardOpenOption.READ)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(maxBytes + 1);
                while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                    // a regular file: reads never block
                }
                if (buffer.position() > maxBytes) {
                    throw new IOException(path + " grew past " + maxBytes + " bytes while it was read");
                }
                return java.util.Arrays.copyOf(buffer.array(), buffer.position());
            }
        }
    }

    /** An open, checked descriptor. {@link #channel} hands it to the JDK; close it in any case. */
    public static final class Opened implements Closeable {
        private final Path path;
        private final Status status;
        private int fd;

        private Opened(Path path, int fd, Status status) {
            this.path = path;
            this.fd = fd;
            this.status = status;
        }

        public Status status() {
            return status;
        }

        /**
         * The same open file for the JDK, reopened through {@code /proc/self/fd}; the raw descriptor is
         * closed at once (closing any descriptor of a file drops this process's fcntl locks on it, so
         * no lock may be taken before).
         */
        public FileChannel channel(OpenOption... options) throws IOException {
            try {
                return FileChannel.open(Path.of("/proc/self/fd/" + fd), options);
            } finally {
                close();
            }
        }

        /** A path that names this very directory while it is open, whatever happens to {@code path}. */
        public Path directoryPath() {
            if (!status.directory()) {
                throw new IllegalStateException(path + " is not a directory");
            }
            return Path.of("/proc/self/fd/" + fd);
        }

        @Override
        public void close() {
            if (fd >= 0) {
                C.INSTANCE.close(fd);
                fd = -1;
            }
        }
    }

    /**
     * open(2) with O_NONBLOCK|O_CLOEXEC added to {@code flags}, then fstat and fstatfs. With O_NOFOLLOW a
     * final link is refused ("is a symbolic link"); a FIFO opened for writing with no reader is reported
     * as a FIFO. Missing and existing files raise the JDK's exceptions, so callers can tell them apart.
     */
    public static Opened open(Path path, int flags, int createMode) throws IOException {
        int fd;
        try {
            fd = C.INSTANCE.open(path.toString(), flags | Linux.O_NONBLOCK | Linux.O_CLOEXEC, createMode);
        } catch (LastErrorException e) {
            throw switch (e.getErrorCode()) {
                case Linux.ENOENT -> new NoSuchFileException(path.toString());
                case Linux.EEXIST -> new FileAlreadyExistsException(path.toString());
                case Linux.ELOOP -> new IOException(path + " is a symbolic link" + ((flags & Linux.O_NOFOLLOW) != 0
                        ? ", not followed" : " loop"));
                case Linux.ENXIO -> new IOException(path + " is a FIFO or a device without a reader");
                case Linux.ENOTDIR -> new IOException(path + ": not a directory");
                default -> new IOException(path + ": " + C.INSTANCE.strerror(e.getErrorCode()));
            };
        }
        try (Memory stat = new Memory(Linux.STAT_SIZE); Memory statfs = new Memory(Linux.STATFS_SIZE)) {
            C.INSTANCE.fstat(fd, stat);
            C.INSTANCE.fstatfs(fd, statfs);
            return new Opened(path, fd, new Status(stat.getInt(Linux.STAT_MODE_OFFSET), stat.getInt(Linux.STAT_UID_OFFSET),
                    stat.getLong(Linux.STAT_SIZE_OFFSET), statfs.getLong(0)));
        } catch (LastErrorException e) {
            C.INSTANCE.close(fd);
            throw new IOException(path + ": fstat: " + C.INSTANCE.strerror(e.getErrorCode()));
        }
    }
}
