package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.OsError;

import static dev.cellrunner.linux.Linux.PR_SET_NO_NEW_PRIVS;

/** Sets no_new_privs on the calling thread: no exec of the workload can gain privileges (setuid, file caps). */
public final class NoNewPrivileges {

    private NoNewPrivileges() {
    }

    public static void set() throws OsError {
        try {
            LibC.INSTANCE.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        } catch (LastErrorException e) {
            throw new OsError("prctl(PR_SET_NO_NEW_PRIVS)", e);
        }
    }
}
