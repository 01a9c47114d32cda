package dev.cellrunner.events;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.linux.Linux;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The lock that orders appends to one JSONL trail across runners: flock(2) on a descriptor of the trail's
 * own. flock belongs to the open file description, so closing another descriptor of the file (another
 * sink of this JVM, a reader) never drops it, as it would an fcntl lock; and two sinks of one JVM exclude
 * each other like two processes do.
 */
final class TrailLock implements Closeable {
    private interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int open(String path, int flags, int mode) throws LastErrorException;

        int flock(int fd, int operation) throws LastErrorException;

        int close(int fd);
    }

    private final Path path;
    private int fd;

    private TrailLock(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** A descriptor of the file {@code path} names now (the sink's own file, just opened). */
    static TrailLock open(Path path) throws IOException {
        try {
            return new TrailLock(path, C.INSTANCE.open(path.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC, 0));
        } catch (LastErrorException e) {
            throw new IOException(path + ": cannot open for locking (errno " + e.getErrorCode() + ")");
        }
    }

    /** Waits for the lock; every append holds it while it writes. */
    void lock() throws IOException {
        flock(Linux.LOCK_EX);
    }

    void unlock() throws IOException {
        flock(Linux.LOCK_UN);
    }

    private void flock(int operation) throws IOException {
        try {
            Eintr.retry(() -> C.INSTANCE.flock(fd, operation));
        } catch (LastErrorException e) {
            throw new IOException(path + ": flock failed (" + Linux.errnoName(e.getErrorCode()) + ")");
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            C.INSTANCE.close(fd);
            fd = -1;
        }
    }
}
