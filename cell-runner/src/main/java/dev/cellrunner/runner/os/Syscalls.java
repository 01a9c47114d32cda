package dev.cellrunner.runner.os;

/** x86-64 system call numbers the runner itself makes through {@link LibC#syscall}. */
public final class Syscalls {
    public static final long GETTID = 186;
    public static final long CAPSET = 126;
    public static final long SETGROUPS = 116;
    public static final long SETRESUID = 117;
    public static final long SETRESGID = 119;

    private Syscalls() {
    }

    public static int gettid() {
        return (int) LibC.INSTANCE.syscall(GETTID);
    }
}
