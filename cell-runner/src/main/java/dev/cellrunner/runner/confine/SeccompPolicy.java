package dev.cellrunner.runner.confine;

import java.util.List;

/**
 * The runner's default seccomp policy and why each entry is in it: the one documented place.
 * Everything not listed is allowed; the filter is a deny list on top of capabilities, landlock and the
 * namespace, aimed at kernel attack surface a build or test workload has no use for.
 *
 * <p>Denied calls answer EPERM, so a program sees an ordinary "operation not permitted" and can fall
 * back. A foreign architecture (e.g. i386 via int 0x80) and the x32 ABI are killed outright, because
 * their system call numbers differ and a number-based deny list would not hold there.
 *
 * <p>AF_NETLINK sockets stay allowed: glibc's getaddrinfo and tools like ip(8) need NETLINK_ROUTE, the
 * cell's netlink reaches only its own network namespace, and every netlink request that changes
 * something (routes, links, nftables) needs CAP_NET_ADMIN, which the cell does not have.
 */
public final class SeccompPolicy {
    /** A system call the default policy denies, and the reason. */
    public record Denial(String syscall, String reason) {
    }

    /** An argument-dependent denial; the filter program implements each one (see {@link SeccompProgram}). */
    public record ArgumentRule(String syscall, String when, String reason) {
    }

    public static final List<Denial> DENIED = List.of(
            new Denial("io_uring_setup",
                    "io_uring performs I/O that this filter cannot see and is a frequent source of kernel exploits"),
            new Denial("io_uring_enter", "see io_uring_setup"),
            new Denial("io_uring_register", "see io_uring_setup"),
            new Denial("ptrace", "tracing other processes reads and rewrites their memory"),
            new Denial("process_vm_readv", "reads another process's memory"),
            new Denial("process_vm_writev", "writes another process's memory"),
            new Denial("kcmp", "compares kernel objects of other processes (an information leak without ptrace)"),
            new Denial("bpf", "loads programs into the kernel"),
            new Denial("perf_event_open", "kernel performance counters: side channels and a large attack surface"),
            new Denial("kexec_load", "replaces the running kernel"),
            new Denial("kexec_file_load", "replaces the running kernel"),
            new Denial("init_module", "loads kernel modules"),
            new Denial("finit_module", "loads kernel modules"),
            new Denial("delete_module", "unloads kernel modules"),
            new Denial("mount", "changes the mount table (could hide or replace files the cell is confined to)"),
            new Denial("umount2", "changes the mount table"),
            new Denial("pivot_root", "changes the root of the mount namespace"),
            new Denial("move_mount", "new mount API: changes the mount table"),
            new Denial("open_tree", "new mount API: clones mounts"),
            new Denial("open_tree_attr", "new mount API: clones mounts"),
            new Denial("mount_setattr", "new mount API: changes mount flags"),
            new Denial("fsopen", "new mount API: creates filesystem contexts"),
            new Denial("fsconfig", "new mount API: configures filesystem contexts"),
            new Denial("fsmount", "new mount API: creates mounts"),
            new Denial("fspick", "new mount API: reconfigures existing mounts"),
            new Denial("unshare", "new namespaces (user namespaces above all) reopen kernel surface the cell was denied"),
            new Denial("setns", "joining another namespace (e.g. /proc/1/ns/net) escapes the cell's network isolation"),
            new Denial("keyctl", "the kernel keyring is not namespaced: keys of other workloads are reachable"),
            new Denial("add_key", "see keyctl"),
            new Denial("request_key", "see keyctl"),
            new Denial("userfaultfd", "lets a process stall the kernel mid-copy, a staple of race exploits"),
            new Denial("name_to_handle_at", "file handles bypass path-based confinement (pairs with open_by_handle_at)"),
            new Denial("open_by_handle_at", "opens files by handle, bypassing path-based confinement (landlock)"),
            new Denial("swapon", "host swap configuration"),
            new Denial("swapoff", "host swap configuration"),
            new Denial("reboot", "restarts or halts the host"),
            new Denial("acct", "host process accounting"),
            new Denial("quotactl", "host disk quotas"),
            new Denial("quotactl_fd", "host disk quotas"),
            new Denial("lookup_dcookie", "kernel profiling interface; leaks paths"),
            new Denial("uselib", "obsolete library loader with a history of vulnerabilities"));

    /** Answered with ENOSYS instead of EPERM, so that callers fall back to a call the filter can inspect. */
    public static final List<Denial> NOT_IMPLEMENTED = List.of(
            new Denial("clone3", "its flags live in memory a seccomp filter cannot read, so namespace flags could not "
                    + "be checked; glibc falls back to clone on ENOSYS (EPERM would make fork fail)"));

    public static final List<ArgumentRule> ARGUMENT_RULES = List.of(
            new ArgumentRule("clone", "flags contain any CLONE_NEW* namespace flag",
                    "the same new namespaces as unshare, reached through clone"),
            new ArgumentRule("socket", "domain is AF_PACKET",
                    "packet sockets see and forge link-layer frames"),
            new ArgumentRule("socket", "domain is AF_INET or AF_INET6 and type is SOCK_RAW or SOCK_PACKET",
                    "raw IP sockets forge packets and bypass transport-level accounting"));

    private SeccompPolicy() {
    }
}
