package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.OsError;

/**
 * Switches the calling thread's user and groups with raw system calls. glibc's setuid family would
 * switch every thread of the runner (it broadcasts to all threads, as POSIX demands); the kernel call
 * changes only this one. Supplementary groups become just the target group.
 */
public final class Credentials {
    private Credentials() {
    }

    public static void switchTo(Identity identity) throws OsError {
        if (!identity.resolved()) {
            throw new IllegalStateException("the cell's uid was never allocated: " + identity);
        }
        LibC libc = LibC.INSTANCE;
        long gid = identity.gid();
        try (Memory groups = new Memory(4)) {
            groups.setInt(0, identity.gid());
            libc.syscall(Linux.SYS_SETGROUPS, 1L, groups);
            libc.syscall(Linux.SYS_SETRESGID, gid, gid, gid);
        } catch (LastErrorException e) {
            throw new OsError("setgroups/setresgid(" + gid + ")", e);
        }
        long uid = identity.uid();
        try {
            libc.syscall(Linux.SYS_SETRESUID, uid, uid, uid);
        } catch (LastErrorException e) {
            throw new OsError("setresuid(" + uid + ")", e);
        }
    }
}
