package dev.cellrunner.runner.os;

/**
 * x86-64 system call numbers and the flags the runner passes to them: the one table of the runner's
 * own calls through {@link LibC#syscall} (the cell's seccomp filter has its own, generated table).
 */
public final class Syscalls {
    public static final long GETTID = 186;
    public static final long CAPSET = 126;
    public static final long SETGROUPS = 116;
    public static final long SETRESUID = 117;
    public static final long SETRESGID = 119;
    public static final long PIVOT_ROOT = 155;
    public static final long OPEN_TREE = 428;
    public static final long MOVE_MOUNT = 429;
    public static final long FSOPEN = 430;
    public static final long FSCONFIG = 431;
    public static final long FSMOUNT = 432;
    public static final long OPENAT2 = 437;
    public static final long MOUNT_SETATTR = 442;

    /** unshare(2) / clone(2) namespace flags. */
    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;

    /** mount(2) flags. */
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    /** umount2(2). */
    public static final int MNT_DETACH = 2;

    /** mount_setattr(2) and fsmount(2) attributes. */
    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final long MOUNT_ATTR_NOEXEC = 0x8;
    public static final int AT_RECURSIVE = 0x8000;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int AT_FDCWD = -100;
    /** {@code struct mount_attr}: attr_set, attr_clr, propagation, userns_fd (u64 each). */
    public static final int MOUNT_ATTR_SIZE = 32;

    /** fsopen(2) / fsconfig(2) / fsmount(2) / move_mount(2). */
    public static final int FSOPEN_CLOEXEC = 1;
    public static final int FSCONFIG_SET_STRING = 1;
    public static final int FSCONFIG_SET_FD = 5;
    public static final int FSCONFIG_CMD_CREATE = 6;
    public static final int FSMOUNT_CLOEXEC = 1;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    public static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    /** open_tree(2). */
    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = 0x80000;
    /** {@code struct stat} on x86-64: size, and st_mode at offset 24 (u32). */
    public static final int STAT_SIZE = 144;
    public static final int STAT_MODE_OFFSET = 24;
    public static final int STAT_UID_OFFSET = 28;
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;

    /** openat2(2) {@code struct open_how}: flags, mode, resolve (u64 each). */
    public static final int OPEN_HOW_SIZE = 24;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_IN_ROOT = 0x10;

    /** open(2) flags. */
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_NOFOLLOW = 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;

    /** fcntl(2) commands and {@code struct flock} (type, whence: s16; start, len: s64; pid: s32). */
    public static final int F_OFD_SETLK = 37;
    public static final int F_OFD_GETLK = 36;
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int FLOCK_SIZE = 32;

    /** errno values the runner tells apart. */
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;

    private Syscalls() {
    }

    public static int gettid() {
        return (int) LibC.INSTANCE.syscall(GETTID);
    }

    /** Runs {@code call} again while it fails with EINTR: the one retry loop for interrupted calls. */
    public static long retryOnEintr(java.util.function.LongSupplier call) {
        while (true) {
            try {
                return call.getAsLong();
            } catch (com.sun.jna.LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw e;
                }
            }
        }
    }
}
