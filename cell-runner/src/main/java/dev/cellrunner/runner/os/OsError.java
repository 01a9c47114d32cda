package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;

/** A system call failed; the message says which call, on what, and the errno text. */
public final class OsError extends Exception {
    public OsError(String what, LastErrorException e) {
        super(describe(what, e.getErrorCode()), e);
    }

    /** A call of {@link QuietLibC} that left {@code errno}. */
    public OsError(String what, int errno) {
        super(describe(what, errno));
    }

    public OsError(String message) {
        super(message);
    }

    private static String describe(String what, int errno) {
        return what + ": " + LibC.INSTANCE.strerror(errno) + " (errno " + errno + ")";
    }
}
