package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;

/** A system call failed; the message says which call, on what, and the errno text. */
public final class OsError extends Exception {
    public OsError(String what, LastErrorException e) {
        super(what + ": " + LibC.INSTANCE.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")", e);
    }

    public OsError(String message) {
        super(message);
    }
}
