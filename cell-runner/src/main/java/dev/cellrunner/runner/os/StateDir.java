package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.linux.Linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A directory of the runner's private state (e.g. /run/cell-runner), held open: every record in it is
 * created, read, locked and removed relative to this descriptor with O_NOFOLLOW, so nobody can swap a
 * path component or plant a link between a check and its use. The directory itself is the runner
 * user's, mode 0700 (made so if it was wider). Locks are open-file-description locks (F_OFD_SETLK),
 * which the kernel drops when the runner dies and which closing another descriptor of the same file
 * does not release; they conflict with the POSIX locks of older runners.
 */
public final class StateDir implements AutoCloseable {
    private static final int DIR_MODE = 0700;
    private static final int FILE_MODE = 0600;
    private static final Duration LOCK_POLL = Duration.ofMillis(5);

    private final int fd;
    private final Path path;
    private boolean closed;

    private StateDir(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /**
     * Opens {@code dir}, made with its parents when missing; the last component must be a directory of
     * this user's, not a link, and is made 0700.
     */
    public static StateDir open(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException("the state directory cannot be /");
        }
        if (!java.nio.file.Files.isDirectory(parent)) { // as a rule it is: no exception thrown and caught per open
            java.nio.file.Files.createDirectories(parent);
        }
        LibC libc = LibC.INSTANCE;
        int parentFd;
        try {
            parentFd = libc.open(parent.toRealPath().toString(), Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + parent + ": " + libc.strerror(e.getErrorCode()));
        }
        StateDir state;
        try {
            state = new StateDir(openDirectory(parentFd, absolute.getFileName().toString(), DIR_MODE, absolute), absolute);
        } finally {
            libc.close(parentFd);
        }
        try {
            state.checkPrivate();
        } catch (IOException e) {
            state.close();
            throw e;
        }
        return state;
    }

    /** The subdirectory {@code name} (made 0700 when missing), opened without following a link. */
    public StateDir directory(String name) throws IOException {
        int child = openDirectory(fd, name, DIR_MODE, path.resolve(name));
        return new StateDir(child, path.resolve(name));
    }

    public Path path() {
        return path;
    }

    /** Writes {@code text} to record {@code name} (created 0600, never through a link). */
    public void write(String name, String text) throws IOException {
        int file = openFile(name, Linux.O_WRONLY | Linux.O_CREAT | Linux.O_TRUNC);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Memory buffer = new Memory(Math.max(1, bytes.length))) {
            buffer.write(0, bytes, 0, bytes.length);
            long done = 0;
            while (done < bytes.length) {
                long from = done;
                done += Eintr.retry(() -> LibC.INSTANCE.write(file, buffer.share(from), bytes.length - from));
            }
        } catch (LastErrorException e) {
            throw failure("write", name, e);
        } finally {
            LibC.INSTANCE.close(file);
        }
    }

    /** The first {@code limit} bytes of record {@code name} as text ("" when it is empty or missing). */
    public String read(String name, int limit) throws IOException {
        int file;
        try {
            file = LibC.INSTANCE.openat(fd, name, Linux.O_RDONLY | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Linux.ENOENT) {
                return "";
            }
            throw failure("open", name, e);
        }
        try (Memory buffer = new Memory(limit)) {
            long read = Eintr.retry(() -> LibC.INSTANCE.read(file, buffer, limit));
            return new String(buffer.getByteArray(0, (int) read), StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            throw failure("read", name, e);
        } finally {
            LibC.INSTANCE.close(file);
        }
    }

    /** Whether record {@code name} exists (a link counts as one; it is never followed). */
    public boolean exists(String name) throws IOException {
        // quiet: an absent entry is an answer
        long file = QuietLibC.closeIfOpened(QuietLibC.orMinusErrno(QuietLibC.INSTANCE.openat(fd, name,
                Linux.O_PATH | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, 0)));
        if (file >= 0) {
            return true;
        }
        if (file == -Linux.ENOENT) {
            return false;
        }
        throw failure("look up", name, (int) -file);
    }

    /** The names of the entries, read through this descriptor (the path is not looked up again). */
    public java.util.List<String> names() throws IOException {
        try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(Path.of("/proc/self/fd", Integer.toString(fd)))) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        }
    }

    /** Removes record {@code name} if it is there. */
    public void delete(String name) throws IOException {
        try {
            LibC.INSTANCE.unlinkat(fd, name, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Linux.ENOENT) {
                throw failure("remove", name, e);
            }
        }
    }

    /** Takes an exclusive lock on record {@code name} if nobody holds one; null when somebody does. */
    public Lock tryLock(String name) throws IOException {
        int file = openFile(name, Linux.O_RDWR | Linux.O_CREAT);
        try {
            if (lock(file)) {
                return new Lock(file);
            }
        } catch (IOException | RuntimeException e) {
            LibC.INSTANCE.close(file);
            throw e;
        }
        LibC.INSTANCE.close(file);
        return null;
    }

    /**
     * Takes an exclusive lock on record {@code name}, waiting at most {@code timeout}; past it, an
     * IOException says which lock and for how long it waited.
     */
    public Lock lock(String name, Duration timeout) throws IOException {
        int file = openFile(name, Linux.O_RDWR | Linux.O_CREAT);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!lock(file)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("timed out after " + timeout.toMillis() + " ms waiting for the lock on "
                            + path.resolve(name) + " (another runner holds it; if none runs, remove the file)");
                }
                Thread.sleep(LOCK_POLL.toMillis());
            }
            return new Lock(file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LibC.INSTANCE.close(file);
            throw new IOException("interrupted while waiting for the lock on " + path.resolve(name), e);
        } catch (IOException | RuntimeException e) {
            LibC.INSTANCE.close(file);
            throw e;
        }
    }

    /** A held lock: closing it releases the lock. */
    public static final class Lock implements AutoCloseable {
        private final int fd;
        private boolean closed;

        private Lock(int fd) {
            this.fd = fd;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                LibC.INSTANCE.close(fd);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }

    private boolean lock(int file) throws IOException {
        long locked;
        try (Memory flock = new Memory(Linux.FLOCK_SIZE)) {
            flock.clear();
            flock.setShort(0, (short) Linux.F_WRLCK); // l_type; l_whence SEEK_SET, start 0, len 0: the whole file
            // quiet: a lock another holds (EAGAIN) is a common answer, e.g. a uid of a live cell
            locked = QuietLibC.orMinusErrno(QuietLibC.INSTANCE.fcntl(file, Linux.F_OFD_SETLK, flock));
        }
        if (locked >= 0) {
            return true;
        }
        int errno = (int) -locked;
        if (errno == Linux.EAGAIN || errno == Linux.EACCES) {
            return false;
        }
        throw new IOException("fcntl(F_OFD_SETLK) in " + path + ": " + LibC.INSTANCE.strerror(errno));
    }

    private int openFile(String name, int flags) throws IOException {
        try {
            return LibC.INSTANCE.openat(fd, name, flags | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, FILE_MODE);
        } catch (LastErrorException e) {
            throw failure("open", name, e);
        }
    }

    /** The directory is this user's and closed to everyone else (0700; made so when it was wider). */
    private void checkPrivate() throws IOException {
        try (Memory stat = new Memory(Linux.STAT_SIZE)) {
            LibC.INSTANCE.fstat(fd, stat);
            int mode = stat.getInt(Linux.STAT_MODE_OFFSET);
            int owner = stat.getInt(Linux.STAT_UID_OFFSET);
            if (owner != LibC.INSTANCE.geteuid()) {
                throw new IOException(path + " belongs to uid " + owner + ", not to the runner's user: "
                        + "choose another state directory (CELL_RUNNER_STATE_DIR)");
            }
            if ((mode & 077) != 0) {
                LibC.INSTANCE.fchmod(fd, DIR_MODE);
            }
        } catch (LastErrorException e) {
            throw failure("check", ".", e);
        }
    }

    /**
     * Opens without following a link, made (mkdirat) when missing; fails if a link or a file is there.
     * The open comes first: the directory exists on every call but the first, and a refused mkdirat
     * costs an exception.
     */
    private static int openDirectory(int parent, String name, int mode, Path shown) throws IOException {
        LibC libc = LibC.INSTANCE;
        try {
            return openExisting(parent, name);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Linux.ENOENT) {
                throw notADirectory(shown, e);
            }
        }
        try {
            libc.mkdirat(parent, name, mode);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Linux.EEXIST) {
                throw new IOException("cannot make " + shown + ": " + libc.strerror(e.getErrorCode()));
            }
        }
        try {
            return openExisting(parent, name);
        } catch (LastErrorException e) {
            throw notADirectory(shown, e);
        }
    }

    private static IOException notADirectory(Path shown, LastErrorException e) {
        return new IOException("cannot open " + shown + " as a directory without following a link: "
                + LibC.INSTANCE.strerror(e.getErrorCode()));
    }

    private static int openExisting(int parent, String name) {
        return LibC.INSTANCE.openat(parent, name, Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_NOFOLLOW
                | Linux.O_CLOEXEC, 0);
    }

    private IOException failure(String what, String name, LastErrorException e) {
        return failure(what, name, e.getErrorCode());
    }

    private IOException failure(String what, String name, int errno) {
        return new IOException("cannot " + what + " " + path.resolve(name) + ": " + LibC.INSTANCE.strerror(errno));
    }
}
