package dev.cellrunner.runner.confine;

import java.util.List;

import static dev.cellrunner.linux.Linux.AF_INET;
import static dev.cellrunner.linux.Linux.AF_INET6;
import static dev.cellrunner.linux.Linux.AF_NETLINK;
import static dev.cellrunner.linux.Linux.AF_UNIX;
import static dev.cellrunner.linux.Linux.CLONE_NEWCGROUP;
import static dev.cellrunner.linux.Linux.CLONE_NEWIPC;
import static dev.cellrunner.linux.Linux.CLONE_NEWNET;
import static dev.cellrunner.linux.Linux.CLONE_NEWNS;
import static dev.cellrunner.linux.Linux.CLONE_NEWPID;
import static dev.cellrunner.linux.Linux.CLONE_NEWUSER;
import static dev.cellrunner.linux.Linux.CLONE_NEWUTS;
import static dev.cellrunner.linux.Linux.F_SETLEASE;
import static dev.cellrunner.linux.Linux.SOCK_PACKET;
import static dev.cellrunner.linux.Linux.SOCK_RAW;
import static dev.cellrunner.linux.Linux.SOCK_TYPE_MASK;
import static dev.cellrunner.linux.Linux.S_ISGID;
import static dev.cellrunner.linux.Linux.S_ISUID;

/**
 * The runner's default seccomp policy and why each entry is in it: the one documented place.
 * Everything not listed is allowed; the filter is a deny list on top of capabilities, landlock and the
 * namespace, aimed at kernel attack surface a build or test workload has no use for.
 *
 * <p>Denied calls answer EPERM, so a program sees an ordinary "operation not permitted" and can fall
 * back. A foreign architecture (e.g. i386 via int 0x80) and the x32 ABI are killed outright, because
 * their system call numbers differ and a number-based deny list would not hold there.
 *
 * <p>Socket families are an allow list: AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK. AF_NETLINK stays
 * allowed: glibc's getaddrinfo and tools like ip(8) need NETLINK_ROUTE, the cell's netlink reaches only
 * its own network namespace, and every netlink request that changes something (routes, links,
 * nftables) needs CAP_NET_ADMIN, which the cell does not have.
 *
 * <p>What a classic BPF filter cannot see is not claimed: it reads the six argument registers only,
 * never memory (so openat2's mode, clone3's flags and paths are out of reach) and never the caller's
 * pid (so prlimit64 is allowed on pid 0 alone). Creating a file with a set-id mode (open with
 * O_CREAT, mknod) is not filtered; nosuid mounts, no_new_privs and an unprivileged identity cover it.
 */
public final class SeccompPolicy {
    /** A system call the default policy denies, and the reason. */
    public record Denial(String syscall, String reason) {
    }

    /**
     * An argument-dependent denial: the call answers EPERM when every one of its conditions holds.
     * {@link SeccompProgram} compiles the conditions; {@link #when()} says them in words.
     */
    public record ArgumentRule(String syscall, List<Condition> conditions, String reason) {
        public ArgumentRule {
            conditions = List.copyOf(conditions);
        }

        /** The conditions in words, e.g. "mode has any of S_ISUID, S_ISGID". */
        public String when() {
            return String.join(" and ", conditions.stream().map(Condition::describe).toList());
        }
    }

    /** A named constant an argument is compared with. */
    public record Value(int value, String name) {
    }

    /**
     * One test of the low 32 bits of argument {@code arg} (every argument tested here is a C int, of
     * which the kernel reads only those bits), after masking with {@code mask}.
     */
    public record Condition(int arg, String argName, Test test, int mask, List<Value> values) {
        /** ANY_BIT: {@code arg & mask} is not 0 (values name the bits); IN, NOT_IN: it is (not) one of values. */
        public enum Test { ANY_BIT, IN, NOT_IN }

        public Condition {
            values = List.copyOf(values);
        }

        static Condition anyBit(int arg, String argName, Value... bits) {
            int mask = 0;
            for (Value bit : bits) {
                mask |= bit.value();
            }
            return new Condition(arg, argName, Test.ANY_BIT, mask, List.of(bits));
        }

        static Condition in(int arg, String argName, int mask, Value... values) {
            return new Condition(arg, argName, Test.IN, mask, List.of(values));
        }

        static Condition notIn(int arg, String argName, Value... values) {
            return new Condition(arg, argName, Test.NOT_IN, -1, List.of(values));
        }

        String describe() {
            String names = String.join(", ", values.stream().map(Value::name).toList());
            String subject = mask == -1 || test == Test.ANY_BIT ? argName
                    : argName + " & 0x" + Integer.toHexString(mask);
            return switch (test) {
                case ANY_BIT -> subject + " has any of " + names;
                case IN -> subject + " is one of " + names;
                case NOT_IN -> subject + " is none of " + names;
            };
        }
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

    /** The socket families a cell may use; the rest reach kernel code and devices a workload has no use for. */
    private static final Value[] FAMILIES = {new Value(AF_UNIX, "AF_UNIX"), new Value(AF_INET, "AF_INET"),
            new Value(AF_INET6, "AF_INET6"), new Value(AF_NETLINK, "AF_NETLINK")};
    private static final Value[] SET_ID_BITS = {new Value(S_ISUID, "S_ISUID"), new Value(S_ISGID, "S_ISGID")};
    private static final String SET_ID_REASON = "a setuid or setgid file runs with its owner's identity for whoever "
            + "starts it outside the cell (a root cell made a host binary setuid root); setgid directories are "
            + "refused too";

    public static final List<ArgumentRule> ARGUMENT_RULES = List.of(
            new ArgumentRule("clone", List.of(Condition.anyBit(0, "flags", new Value(CLONE_NEWNS, "CLONE_NEWNS"),
                    new Value(CLONE_NEWCGROUP, "CLONE_NEWCGROUP"), new Value(CLONE_NEWUTS, "CLONE_NEWUTS"),
                    new Value(CLONE_NEWIPC, "CLONE_NEWIPC"), new Value(CLONE_NEWUSER, "CLONE_NEWUSER"),
                    new Value(CLONE_NEWPID, "CLONE_NEWPID"), new Value(CLONE_NEWNET, "CLONE_NEWNET"))),
                    "the same new namespaces as unshare, reached through clone"),
            new ArgumentRule("socket", List.of(Condition.notIn(0, "domain", FAMILIES)),
                    "other families reach kernel code and devices a workload has no use for: AF_PACKET sees and "
                            + "forges link-layer frames, AF_VSOCK talks to the hypervisor and the host, AF_ALG, "
                            + "AF_BLUETOOTH, AF_XDP and the rest are attack surface"),
            new ArgumentRule("socket", List.of(Condition.in(0, "domain", -1, FAMILIES[1], FAMILIES[2]),
                    Condition.in(1, "type", SOCK_TYPE_MASK, new Value(SOCK_RAW, "SOCK_RAW"),
                            new Value(SOCK_PACKET, "SOCK_PACKET"))),
                    "raw IP sockets forge packets and bypass transport-level accounting"),
            new ArgumentRule("socketpair", List.of(Condition.notIn(0, "domain", FAMILIES)),
                    "the same families as socket"),
            new ArgumentRule("prlimit64", List.of(Condition.notIn(0, "pid", new Value(0, "0 (the caller)"))),
                    "changes or reads another process's resource limits (a cell lowered its runner's RLIMIT_CPU "
                            + "and RLIMIT_FSIZE and killed it); a classic BPF filter cannot know the caller's pid, "
                            + "so a tool that names its own pid instead of 0 gets EPERM too"),
            new ArgumentRule("fcntl", List.of(Condition.in(1, "cmd", -1, new Value(F_SETLEASE, "F_SETLEASE"))),
                    "a lease blocks every other process's open for writing and truncate of the file, the host's "
                            + "own writers included, until it is broken and released"),
            new ArgumentRule("chmod", List.of(Condition.anyBit(1, "mode", SET_ID_BITS)), SET_ID_REASON),
            new ArgumentRule("fchmod", List.of(Condition.anyBit(1, "mode", SET_ID_BITS)), SET_ID_REASON),
            new ArgumentRule("fchmodat", List.of(Condition.anyBit(2, "mode", SET_ID_BITS)), SET_ID_REASON),
            new ArgumentRule("fchmodat2", List.of(Condition.anyBit(2, "mode", SET_ID_BITS)), SET_ID_REASON));

    /**
     * Added for a cell that runs as uid 0 or gid 0 (only with the runner's --allow-root-cells). Such a cell
     * owns every root-owned file of the read-only host tree it sees, and connect() on a pathname socket
     * asks for nothing but write permission on the socket file, which ownership gives; neither a
     * read-only mount nor landlock (before a kernel that scopes pathname sockets) stops it, and a filter
     * cannot read the path. So a root cell gets no AF_UNIX socket of its own: it can neither connect to
     * a root-only socket outside its own /tmp and /run (a control socket that acts as the host's root)
     * nor bind one. socketpair stays: an anonymous pair reaches nothing outside the cell.
     */
    public static final List<ArgumentRule> ROOT_CELL_RULES = List.of(
            new ArgumentRule("socket", List.of(Condition.in(0, "domain", -1, FAMILIES[0])),
                    "a root cell owns every root-owned unix socket on the host tree it sees, and connect() needs "
                            + "only the owner's write permission (a read-only mount and landlock do not stop it); "
                            + "socketpair stays"));

    private SeccompPolicy() {
    }
}
