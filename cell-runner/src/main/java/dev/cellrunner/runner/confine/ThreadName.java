package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.OsError;

import java.nio.charset.StandardCharsets;

/** The calling thread's name as the kernel keeps it (its {@code comm}), through prctl(PR_SET_NAME). */
final class ThreadName {
    /** The kernel keeps 15 bytes and a NUL. */
    static final int MAX_BYTES = 15;

    private ThreadName() {
    }

    static void set(String name) throws OsError {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("a thread name of " + bytes.length + " bytes: " + name);
        }
        try (Memory text = new Memory(MAX_BYTES + 1)) {
            text.clear();
            text.write(0, bytes, 0, bytes.length);
            LibC.INSTANCE.prctl(Linux.PR_SET_NAME, Pointer.nativeValue(text), 0, 0, 0);
        } catch (LastErrorException e) {
            throw new OsError("prctl(PR_SET_NAME)", e);
        }
    }
}
