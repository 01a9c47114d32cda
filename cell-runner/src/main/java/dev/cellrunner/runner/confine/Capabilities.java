package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.QuietLibC;

import static dev.cellrunner.linux.Linux.EINVAL;
import static dev.cellrunner.linux.Linux.LINUX_CAPABILITY_VERSION_3;
import static dev.cellrunner.linux.Linux.PR_CAPBSET_DROP;
import static dev.cellrunner.linux.Linux.PR_CAP_AMBIENT;
import static dev.cellrunner.linux.Linux.PR_CAP_AMBIENT_CLEAR_ALL;

/**
 * Empties the capability sets of the calling thread, which the workload then inherits. Capabilities
 * are per thread in Linux, so the rest of the runner keeps its own. Two steps, because dropping the
 * bounding set needs CAP_SETPCAP, which a switch to an unprivileged user takes away: bounding and
 * ambient sets first (before the identity changes), then effective, permitted and inheritable.
 */
public final class Capabilities {
    private static final int HEADER_SIZE = 8;
    /** Two {@code __user_cap_data_struct}s (effective, permitted, inheritable; 32 bits each). */
    private static final int DATA_SIZE = 24;
    /** Capability numbers fit in the 64-bit masks of /proc/&lt;pid&gt;/status. */
    private static final int MAX_CAPABILITIES = 64;

    private Capabilities() {
    }

    /** Empties the bounding set (every capability the kernel knows) and the ambient set. */
    public static void dropBoundingAndAmbient() throws OsError {
        LibC libc = LibC.INSTANCE;
        for (int cap = 0; cap < MAX_CAPABILITIES; cap++) {
            // quiet: the loop ends on the kernel's answer for the first capability it does not know
            long dropped = QuietLibC.orMinusErrno(QuietLibC.INSTANCE.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0));
            if (dropped == -EINVAL) {
                break; // past the kernel's last capability
            }
            if (dropped < 0) {
                throw new OsError("prctl(PR_CAPBSET_DROP, " + cap + ")", (int) -dropped);
            }
        }
        try {
            libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        } catch (LastErrorException e) {
            throw new OsError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", e);
        }
    }

    /** Sets effective, permitted and inheritable to empty with a raw capset(2) for this thread only. */
    public static void clearSets() throws OsError {
        try (Memory header = new Memory(HEADER_SIZE); Memory data = new Memory(DATA_SIZE)) {
            header.setInt(0, LINUX_CAPABILITY_VERSION_3);
            header.setInt(4, 0);
            data.clear();
            LibC.INSTANCE.syscall(Linux.SYS_CAPSET, header, data);
        } catch (LastErrorException e) {
            throw new OsError("capset(empty)", e);
        }
    }
}
