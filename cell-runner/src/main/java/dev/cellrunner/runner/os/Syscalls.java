package dev.cellrunner.runner.os;

import dev.cellrunner.linux.Linux;

/** System calls glibc has no wrapper for that the runner needs as plain values (numbers: {@link Linux}). */
public final class Syscalls {
    private Syscalls() {
    }

    /** The calling thread's kernel thread ID. */
    public static int gettid() {
        return (int) LibC.INSTANCE.syscall(Linux.SYS_GETTID);
    }
}
