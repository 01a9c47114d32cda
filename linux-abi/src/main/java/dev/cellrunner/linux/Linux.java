package dev.cellrunner.linux;

import java.util.Map;

/**
 * The one table of Linux x86-64 numbers the project passes to and reads from the kernel: system call
 * numbers, errno values, and the flags and commands of each call, under their C names. Every class
 * that calls the kernel takes its numbers from here, the runner's and event-sinks' (which is why it is
 * a module of its own below both); struct layouts stay with the code that fills the struct, but for
 * the few offsets several classes read. System call numbers agree with cell-spec-schema's table of
 * names (LinuxTest checks).
 */
public final class Linux {
    // ---- system calls (arch/x86/entry/syscalls/syscall_64.tbl)
    public static final long SYS_SOCKET = 41;
    public static final long SYS_SOCKETPAIR = 53;
    public static final long SYS_CLONE = 56;
    public static final long SYS_FCNTL = 72;
    public static final long SYS_CHMOD = 90;
    public static final long SYS_FCHMOD = 91;
    public static final long SYS_SETGROUPS = 116;
    public static final long SYS_SETRESUID = 117;
    public static final long SYS_SETRESGID = 119;
    public static final long SYS_CAPSET = 126;
    public static final long SYS_SETPRIORITY = 141;
    public static final long SYS_PIVOT_ROOT = 155;
    public static final long SYS_GETTID = 186;
    public static final long SYS_FCHMODAT = 268;
    public static final long SYS_PRLIMIT64 = 302;
    public static final long SYS_PROCESS_VM_READV = 310;
    public static final long SYS_SECCOMP = 317;
    public static final long SYS_OPEN_TREE = 428;
    public static final long SYS_MOVE_MOUNT = 429;
    public static final long SYS_FSOPEN = 430;
    public static final long SYS_FSCONFIG = 431;
    public static final long SYS_FSMOUNT = 432;
    public static final long SYS_PIDFD_OPEN = 434;
    public static final long SYS_CLONE3 = 435;
    public static final long SYS_OPENAT2 = 437;
    public static final long SYS_MOUNT_SETATTR = 442;
    public static final long SYS_LANDLOCK_CREATE_RULESET = 444;
    public static final long SYS_LANDLOCK_ADD_RULE = 445;
    public static final long SYS_LANDLOCK_RESTRICT_SELF = 446;
    public static final long SYS_FCHMODAT2 = 452;

    // ---- errno (asm-generic/errno-base.h, errno.h)
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int EROFS = 30;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int EAFNOSUPPORT = 97;
    public static final int ENOBUFS = 105;
    public static final int ECONNREFUSED = 111;
    public static final int EINPROGRESS = 115;

    // ---- open(2)
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_NOFOLLOW = 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;

    // ---- file mode bits (chmod(2), struct stat's st_mode)
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    /** {@code struct stat} on x86-64: its size, st_mode at 24 (u32), st_uid at 28, st_size at 48 (s64). */
    public static final int STAT_SIZE = 144;
    public static final int STAT_MODE_OFFSET = 24;
    public static final int STAT_UID_OFFSET = 28;
    public static final int STAT_SIZE_OFFSET = 48;
    /** {@code struct statfs} on x86-64: its size; f_type (s64) comes first. */
    public static final int STATFS_SIZE = 120;
    // statfs's f_type of the pseudo file systems (linux/magic.h)
    public static final long PROC_SUPER_MAGIC = 0x9fa0L;
    public static final long SYSFS_MAGIC = 0x62656572L;
    public static final long CGROUP_SUPER_MAGIC = 0x27e0ebL;
    public static final long CGROUP2_SUPER_MAGIC = 0x63677270L;
    public static final long DEBUGFS_MAGIC = 0x64626720L;
    public static final long TRACEFS_MAGIC = 0x74726163L;
    public static final long SECURITYFS_MAGIC = 0x73636673L;
    public static final long CONFIGFS_MAGIC = 0x62656570L;
    public static final long EFIVARFS_MAGIC = 0xde5e81e4L;
    public static final long BPF_FS_MAGIC = 0xcafe4a11L;
    public static final int AT_FDCWD = -100;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int AT_RECURSIVE = 0x8000;

    // ---- openat2(2): {@code struct open_how} (flags, mode, resolve: u64 each)
    public static final int OPEN_HOW_SIZE = 24;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_IN_ROOT = 0x10;

    // ---- fcntl(2); {@code struct flock}: type, whence (s16), start, len (s64), pid (s32)
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final int F_SETLEASE = 1024;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int FLOCK_SIZE = 32;

    // ---- signals
    public static final int SIGKILL = 9;

    // ---- poll(2): struct pollfd { int fd; short events; short revents; }
    public static final int POLLIN = 0x1;
    public static final int POLLFD_SIZE = 8;
    public static final int POLLFD_EVENTS_OFFSET = 4;

    // ---- flock(2)
    public static final int LOCK_EX = 2;
    public static final int LOCK_UN = 8;

    // ---- sockets: families, types, levels, options, flags
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;
    public static final int AF_VSOCK = 40;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_PACKET = 10;
    /** The type argument of socket(2) carries flags above the type itself. */
    public static final int SOCK_TYPE_MASK = 0xf;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_NETLINK = 270;
    public static final int SO_PEERCRED = 17;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDTIMEO = 21;
    public static final int SO_PROTOCOL = 38;
    public static final int SO_DOMAIN = 39;
    public static final int SO_PEERPIDFD = 77;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_NETFILTER = 12;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;
    /** {@code struct sockaddr_nl}: family (u16), pad, pid (u32) at 4, groups (u32) at 8. */
    public static final int SOCKADDR_NL_SIZE = 12;
    public static final int SOCKADDR_NL_GROUPS_OFFSET = 8;

    // ---- nftables netlink (linux/netfilter.h, linux/netfilter/nf_tables.h): what more than one message uses
    /** The {@code nfgenmsg} family of the runner's tables ({@code table inet}). */
    public static final int NFPROTO_INET = 1;
    /** Each element of a nested list (a set's elements, a rule's expressions). */
    public static final int NFTA_LIST_ELEM = 1;

    // ---- network interfaces (ioctl(2) on a socket)
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCSIFFLAGS = 0x8914;
    public static final short IFF_UP = 0x1;

    // ---- clone(2), unshare(2): namespace flags, and the filesystem context (root, cwd, umask)
    public static final int CLONE_FS = 0x00000200;
    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_NEWCGROUP = 0x02000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;
    /** Every flag that makes a new namespace. */
    public static final int CLONE_NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC
            | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

    // ---- mount(2), umount2(2)
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final int MNT_DETACH = 2;

    // ---- the new mount API: mount_setattr(2) and fsmount(2) attributes ({@code struct mount_attr}:
    // attr_set, attr_clr, propagation, userns_fd, u64 each), fsopen, fsconfig, move_mount, open_tree
    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final long MOUNT_ATTR_NOEXEC = 0x8;
    public static final int MOUNT_ATTR_SIZE = 32;
    public static final int FSOPEN_CLOEXEC = 1;
    public static final int FSCONFIG_SET_STRING = 1;
    public static final int FSCONFIG_SET_FD = 5;
    public static final int FSCONFIG_CMD_CREATE = 6;
    public static final int FSMOUNT_CLOEXEC = 1;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    public static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = 0x80000;

    // ---- prctl(2)
    public static final int PR_SET_NAME = 15;
    public static final int PR_CAPBSET_DROP = 24;
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    public static final int PR_CAP_AMBIENT = 47;
    public static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    // ---- capset(2)
    public static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    // ---- setpriority(2), getrlimit(2)
    public static final int PRIO_PROCESS = 0;
    public static final int RLIMIT_NOFILE = 7;

    // ---- waitid(2)
    public static final int P_PID = 1;
    public static final int WEXITED = 4;
    public static final int CLD_EXITED = 1;
    public static final int CLD_DUMPED = 3;

    // ---- seccomp(2) and its filters
    public static final int SECCOMP_SET_MODE_FILTER = 1;
    public static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    public static final int SECCOMP_RET_ERRNO = 0x00050000;
    public static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    /** Set in the number of every x32 system call. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    // ---- landlock(7)
    public static final long LANDLOCK_CREATE_RULESET_VERSION = 1;
    public static final long LANDLOCK_RULE_PATH_BENEATH = 1;
    public static final long LANDLOCK_RULE_NET_PORT = 2;
    /** ABI 7 (Linux 6.15): no audit records for denials of the calling process before it execs. */
    public static final long LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF = 1;
    /** ABI 7: audit records for denials after an exec too (by default there are none). */
    public static final long LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON = 2;
    /** ABI 7: none for denials of domains nested below this one (the workload's own sandboxes). */
    public static final long LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF = 4;

    // ---- audit(7) netlink
    public static final int NETLINK_AUDIT = 9;
    public static final int AUDIT_GET = 1000;
    public static final int AUDIT_SET = 1001;
    /** {@code struct audit_status}'s mask bit for its {@code enabled} field (AUDIT_SET). */
    public static final int AUDIT_STATUS_ENABLED = 1;
    /** Multicast group of read-only audit listeners: any number of them, beside auditd, without the audit pid. */
    public static final int AUDIT_NLGRP_READLOG = 1;
    public static final int AUDIT_LANDLOCK_ACCESS = 1423;
    public static final int AUDIT_LANDLOCK_DOMAIN = 1424;

    private static final Map<Integer, String> ERRNO_NAMES = Map.ofEntries(Map.entry(EPERM, "EPERM"),
            Map.entry(ENOENT, "ENOENT"), Map.entry(ESRCH, "ESRCH"), Map.entry(EINTR, "EINTR"),
            Map.entry(ENXIO, "ENXIO"), Map.entry(EBADF, "EBADF"), Map.entry(ENOTDIR, "ENOTDIR"),
            Map.entry(EAGAIN, "EAGAIN"), Map.entry(EACCES, "EACCES"), Map.entry(EFAULT, "EFAULT"),
            Map.entry(EEXIST, "EEXIST"), Map.entry(ENODEV, "ENODEV"), Map.entry(EINVAL, "EINVAL"),
            Map.entry(EROFS, "EROFS"), Map.entry(ENOSYS, "ENOSYS"), Map.entry(ELOOP, "ELOOP"),
            Map.entry(EAFNOSUPPORT, "EAFNOSUPPORT"), Map.entry(ENOBUFS, "ENOBUFS"),
            Map.entry(ECONNREFUSED, "ECONNREFUSED"), Map.entry(EINPROGRESS, "EINPROGRESS"));

    private Linux() {
    }

    /** "EPERM" for 1; "errno N" for a value not in this table. */
    public static String errnoName(int errno) {
        return ERRNO_NAMES.getOrDefault(errno, "errno " + errno);
    }
}
