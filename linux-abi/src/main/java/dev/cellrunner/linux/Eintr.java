package dev.cellrunner.linux;

import com.sun.jna.LastErrorException;

import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The one place that retries a system call a signal interrupted (EINTR): every blocking call of the
 * runner and of event-sinks (read, write, send, recv, accept, waitid, flock, ...) goes through
 * {@link #retry}. Any other error
 * is thrown as it came.
 */
public final class Eintr {
    /** A system call through JNA that reports failure as {@link LastErrorException}. */
    @FunctionalInterface
    public interface Call {
        long invoke() throws LastErrorException;
    }

    private Eintr() {
    }

    /**
     * As {@link #retry}, for a call that answers -1 and leaves errno to {@code errno} instead of throwing;
     * returns the last answer, its errno still to be read.
     */
    public static long retryQuiet(LongSupplier call, IntSupplier errno) {
        while (true) {
            long result = call.getAsLong();
            if (result >= 0 || errno.getAsInt() != Linux.EINTR) {
                return result;
            }
        }
    }

    public static long retry(Call call) throws LastErrorException {
        while (true) {
            try {
                return call.invoke();
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Linux.EINTR) {
                    throw e;
                }
            }
        }
    }
}
