package dev.cellrunner.runner.confine;

import dev.cellrunner.spec.LinuxSyscalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.cellrunner.linux.Linux.AUDIT_ARCH_X86_64;
import static dev.cellrunner.linux.Linux.SECCOMP_RET_ALLOW;
import static dev.cellrunner.linux.Linux.SECCOMP_RET_ERRNO;
import static dev.cellrunner.linux.Linux.SECCOMP_RET_KILL_PROCESS;
import static dev.cellrunner.linux.Linux.X32_SYSCALL_BIT;
import static org.assertj.core.api.Assertions.assertThat;

/** The compiled filter, interpreted in Java for chosen (arch, nr, args). */
class SeccompProgramTest {
    private static final int X86_64 = AUDIT_ARCH_X86_64;
    private static final int EPERM = SECCOMP_RET_ERRNO | 1;
    private static final int ENOSYS = SECCOMP_RET_ERRNO | 38;
    private static final SeccompPlan DEFAULT = SeccompPlan.of(List.of());
    private static final List<BpfInstruction> PROGRAM = SeccompProgram.compile(DEFAULT);

    static Stream<String> defaultDenied() {
        return SeccompPolicy.DENIED.stream().map(SeccompPolicy.Denial::syscall);
    }

    static Stream<String> everythingElse() {
        Set<String> answered = Stream.concat(defaultDenied(), Stream.concat(Stream.of("clone3"),
                SeccompPolicy.ARGUMENT_RULES.stream().map(SeccompPolicy.ArgumentRule::syscall)))
                .collect(Collectors.toSet());
        return LinuxSyscalls.all().keySet().stream().filter(name -> !answered.contains(name));
    }

    @ParameterizedTest
    @MethodSource("defaultDenied")
    void defaultDeniedCallsAnswerEperm(String name) {
        assertThat(run(nr(name))).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @MethodSource("everythingElse")
    void otherCallsAreAllowed(String name) {
        assertThat(run(nr(name))).isEqualTo(SECCOMP_RET_ALLOW);
    }

    @Test
    void issueListIsInTheDefaultPolicy() {
        assertThat(defaultDenied()).contains("io_uring_setup", "io_uring_enter", "io_uring_register", "ptrace",
                "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "kexec_load", "kexec_file_load",
                "init_module", "finit_module", "delete_module", "mount", "umount2", "pivot_root", "move_mount",
                "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "unshare", "setns", "keyctl", "add_key",
                "request_key", "userfaultfd", "open_by_handle_at", "swapon", "swapoff", "reboot", "acct", "quotactl");
    }

    @Test
    void clone3AnswersEnosysSoGlibcFallsBackToClone() {
        assertThat(run(nr("clone3"))).isEqualTo(ENOSYS);
    }

    @Test
    void foreignArchitectureIsKilled() {
        int i386 = 0x40000003;
        assertThat(BpfInterpreter.run(PROGRAM, i386, nr("read"))).isEqualTo(SECCOMP_RET_KILL_PROCESS);
        assertThat(BpfInterpreter.run(PROGRAM, 0xC00000B7 /* aarch64 */, 0)).isEqualTo(SECCOMP_RET_KILL_PROCESS);
    }

    @Test
    void x32CallsAreKilled() {
        assertThat(run(X32_SYSCALL_BIT | nr("read"))).isEqualTo(SECCOMP_RET_KILL_PROCESS);
        assertThat(run(X32_SYSCALL_BIT | nr("ptrace"))).isEqualTo(SECCOMP_RET_KILL_PROCESS);
        assertThat(run(-1)).isEqualTo(SECCOMP_RET_KILL_PROCESS);
    }

    @Test
    void cloneWithNamespaceFlagsIsDenied() {
        long forkFlags = 0x01200000L | 17; // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, as glibc fork
        long threadFlags = 0x003d0f00L;
        assertThat(run(nr("clone"), forkFlags)).isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(nr("clone"), threadFlags)).isEqualTo(SECCOMP_RET_ALLOW);
        for (long flag : new long[] {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L,
                0x40000000L}) {
            assertThat(run(nr("clone"), forkFlags | flag)).as("flag 0x%x", flag).isEqualTo(EPERM);
        }
    }

    @Test
    void socketFamiliesAreAnAllowListAndRawInetSocketsAreDenied() {
        int socket = nr("socket");
        long cloexec = 0x80000;
        long nonblock = 0x800;
        assertThat(run(socket, 17, 3)).as("AF_PACKET SOCK_RAW").isEqualTo(EPERM);
        assertThat(run(socket, 17, 2)).as("AF_PACKET SOCK_DGRAM").isEqualTo(EPERM);
        assertThat(run(socket, 40, 1 | cloexec)).as("AF_VSOCK SOCK_STREAM").isEqualTo(EPERM);
        for (long family : new long[] {0, 3, 4, 5, 9, 15, 21, 29, 30, 31, 38, 44, 45, 46}) {
            assertThat(run(socket, family, 1)).as("family %d", family).isEqualTo(EPERM);
        }
        assertThat(run(socket, 2, 3 | cloexec, 1)).as("AF_INET SOCK_RAW ICMP").isEqualTo(EPERM);
        assertThat(run(socket, 10, 3 | nonblock, 58)).as("AF_INET6 SOCK_RAW").isEqualTo(EPERM);
        assertThat(run(socket, 2, 10)).as("AF_INET SOCK_PACKET").isEqualTo(EPERM);
        assertThat(run(socket, 2, 1 | cloexec)).as("AF_INET SOCK_STREAM").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(socket, 2, 2)).as("AF_INET SOCK_DGRAM").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(socket, 10, 2)).as("AF_INET6 SOCK_DGRAM").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(socket, 1, 1)).as("AF_UNIX SOCK_STREAM").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(socket, 1, 3)).as("AF_UNIX SOCK_RAW is not an IP raw socket").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(socket, 16, 3 | cloexec, 0)).as("AF_NETLINK SOCK_RAW NETLINK_ROUTE")
                .isEqualTo(SECCOMP_RET_ALLOW);
    }

    @Test
    void aRootCellGetsNoUnixSocketButKeepsSocketpair() {
        List<BpfInstruction> root = SeccompProgram.compile(SeccompPlan.of(List.of(), true));
        int socket = nr("socket");
        for (long type : new long[] {1, 2, 5, 1 | 0x80000}) {
            assertThat(BpfInterpreter.run(root, X86_64, socket, 1, type)).as("AF_UNIX type %d", type).isEqualTo(EPERM);
            assertThat(run(socket, 1, type)).as("AF_UNIX type %d, not root", type).isEqualTo(SECCOMP_RET_ALLOW);
        }
        assertThat(BpfInterpreter.run(root, X86_64, socket, 0xffffffff_00000000L | 1, 1)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(root, X86_64, nr("socketpair"), 1, 1)).isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(BpfInterpreter.run(root, X86_64, socket, 2, 1)).isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(BpfInterpreter.run(root, X86_64, socket, 16, 3, 0)).isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(BpfInterpreter.run(root, X86_64, socket, 40, 1)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(root, X86_64, nr("prlimit64"), 1, 0)).isEqualTo(EPERM);
    }

    @Test
    void upperArgumentBitsDoNotHideTheFamily() {
        assertThat(run(nr("socket"), 0xffffffff_00000000L | 17, 3)).isEqualTo(EPERM);
        assertThat(run(nr("socket"), 0xffffffff_00000000L | 2, 1)).isEqualTo(SECCOMP_RET_ALLOW);
    }

    @Test
    void socketpairTakesTheSameFamilies() {
        int socketpair = nr("socketpair");
        assertThat(run(socketpair, 1, 1)).as("AF_UNIX").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(socketpair, 40, 1)).as("AF_VSOCK").isEqualTo(EPERM);
        assertThat(run(socketpair, 17, 2)).as("AF_PACKET").isEqualTo(EPERM);
    }

    @Test
    void prlimitActsOnTheCallerOnly() {
        int prlimit = nr("prlimit64");
        assertThat(run(prlimit, 0, 7)).as("pid 0: the caller").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(prlimit, 1, 0)).as("pid 1").isEqualTo(EPERM);
        assertThat(run(prlimit, 4242, 1)).as("another pid").isEqualTo(EPERM);
        assertThat(run(prlimit, 0xffffffffL, 1)).as("pid -1").isEqualTo(EPERM);
        assertThat(run(prlimit, 0x1_00000000L, 1)).as("the kernel reads an int: 0").isEqualTo(SECCOMP_RET_ALLOW);
        assertThat(run(nr("setrlimit"), 1, 0)).as("setrlimit has no pid").isEqualTo(SECCOMP_RET_ALLOW);
    }

    @Test
    void leasesAreDeniedOtherFcntlCommandsAllowed() {
        int fcntl = nr("fcntl");
        assertThat(run(fcntl, 3, 1024, 0)).as("F_SETLEASE F_RDLCK").isEqualTo(EPERM);
        assertThat(run(fcntl, 3, 1024, 2)).as("F_SETLEASE F_UNLCK").isEqualTo(EPERM);
        for (long command : new long[] {0, 1, 2, 3, 4, 5, 6, 7, 1025, 1030, 1033}) {
            assertThat(run(fcntl, 3, command, 0)).as("command %d", command).isEqualTo(SECCOMP_RET_ALLOW);
        }
    }

    @Test
    void chmodThatSetsSetuidOrSetgidIsDenied() {
        for (String[] call : new String[][] {{"chmod", "1"}, {"fchmod", "1"}, {"fchmodat", "2"}, {"fchmodat2", "2"}}) {
            int number = nr(call[0]);
            int modeArg = Integer.parseInt(call[1]);
            for (long mode : new long[] {04755, 02755, 06755, 04000, 02000, 0104755}) {
                assertThat(run(number, args(modeArg, mode))).as("%s mode %o", call[0], mode).isEqualTo(EPERM);
            }
            for (long mode : new long[] {0755, 0644, 01777, 0, 0777}) {
                assertThat(run(number, args(modeArg, mode))).as("%s mode %o", call[0], mode)
                        .isEqualTo(SECCOMP_RET_ALLOW);
            }
        }
    }

    @Test
    void eachArgumentRuleSaysWhenInWords() {
        assertThat(SeccompPolicy.ARGUMENT_RULES).extracting(rule -> rule.syscall() + " when " + rule.when()).contains(
                "socket when domain is none of AF_UNIX, AF_INET, AF_INET6, AF_NETLINK",
                "socket when domain is one of AF_INET, AF_INET6 and type & 0xf is one of SOCK_RAW, SOCK_PACKET",
                "prlimit64 when pid is none of 0 (the caller)",
                "fcntl when cmd is one of F_SETLEASE",
                "fchmodat when mode has any of S_ISUID, S_ISGID");
        assertThat(SeccompPolicy.ARGUMENT_RULES).allMatch(rule -> !rule.reason().isBlank());
    }

    /** {@code value} at argument {@code index}, zeros before it. */
    private static long[] args(int index, long value) {
        long[] args = new long[index + 1];
        args[index] = value;
        return args;
    }

    @Test
    void documentDenialsAreAddedOnce() {
        SeccompPlan plan = SeccompPlan.of(List.of("chmod", "ptrace", "chmod", "clone3"));
        List<BpfInstruction> program = SeccompProgram.compile(plan);
        assertThat(BpfInterpreter.run(program, X86_64, nr("chmod"))).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(program, X86_64, nr("clone3"))).isEqualTo(ENOSYS);
        assertThat(plan.denied()).filteredOn(e -> e.syscall().equals("chmod")).singleElement()
                .extracting(SeccompPlan.Entry::source).isEqualTo(SeccompPlan.SPEC);
        assertThat(plan.denied()).filteredOn(e -> e.syscall().equals("ptrace")).singleElement()
                .extracting(SeccompPlan.Entry::source).isEqualTo(SeccompPlan.DEFAULT);
    }

    @Test
    void denyingEveryCallStillCompilesToShortJumps() {
        SeccompPlan plan = SeccompPlan.of(List.copyOf(LinuxSyscalls.all().keySet()));
        List<BpfInstruction> program = SeccompProgram.compile(plan);
        assertThat(program.size()).isLessThan(4096); // BPF_MAXINSNS
        assertThat(BpfInterpreter.run(program, X86_64, nr("read"))).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(program, X86_64, nr("file_setattr"))).isEqualTo(EPERM);
    }

    private static int run(int nr, long... args) {
        return BpfInterpreter.run(PROGRAM, X86_64, nr, args);
    }

    private static int nr(String name) {
        return LinuxSyscalls.number(name).orElseThrow();
    }
}
