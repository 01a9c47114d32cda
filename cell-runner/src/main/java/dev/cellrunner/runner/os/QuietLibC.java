package dev.cellrunner.runner.os;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * libc calls whose failure is an answer the caller expects (a probe the kernel must refuse, a path that
 * may be absent, a non-blocking read with nothing queued): they return -1 and leave errno to
 * {@link #errno()}, where {@link LibC} throws. A thrown {@link com.sun.jna.LastErrorException} costs two
 * exceptions (JNA parses its own message with Integer.parseInt), and a cell met about 30 such answers.
 * Read errno right after the call, on the same thread, before any other native call.
 */
public interface QuietLibC extends Library {
    QuietLibC INSTANCE = Native.load("c", QuietLibC.class);

    long syscall(long number, Object... args);

    int open(String path, int flags);

    int openat(int dirfd, String path, int flags, int mode);

    int socket(int domain, int type, int protocol);

    int connect(int fd, Pointer address, int length);

    int kill(int pid, int signal);

    long read(int fd, Pointer buffer, long count);

    int fcntl(int fd, int command, int argument);

    /** fcntl with a {@code struct flock} (the F_OFD_* lock commands). */
    int fcntl(int fd, int command, Pointer lock);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    long recv(int fd, Pointer buffer, long length, int flags);

    int getsockopt(int fd, int level, int option, Pointer value, IntByReference length);

    /** The errno the calling thread's last call through JNA left. */
    static int errno() {
        return Native.getLastError();
    }

    /** {@code result} of a call that succeeded (not negative), else minus the errno the call left. */
    static long orMinusErrno(long result) {
        return result < 0 ? -errno() : result;
    }

    /**
     * For a descriptor opened only to learn whether it could be: closes it when {@code result} is one (not
     * negative) and passes {@code result} on. Take errno first ({@link #orMinusErrno}): the close leaves its own.
     */
    static long closeIfOpened(long result) {
        if (result >= 0) {
            LibC.INSTANCE.close((int) result);
        }
        return result;
    }
}
