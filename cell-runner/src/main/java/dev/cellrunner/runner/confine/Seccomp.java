package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.QuietLibC;

import java.util.List;

import static dev.cellrunner.runner.os.QuietLibC.closeIfOpened;
import static dev.cellrunner.runner.os.QuietLibC.orMinusErrno;

import static dev.cellrunner.linux.Linux.AF_VSOCK;
import static dev.cellrunner.linux.Linux.ENOSYS;
import static dev.cellrunner.linux.Linux.EPERM;
import static dev.cellrunner.linux.Linux.F_SETLEASE;
import static dev.cellrunner.linux.Linux.RLIMIT_NOFILE;
import static dev.cellrunner.linux.Linux.SECCOMP_SET_MODE_FILTER;
import static dev.cellrunner.linux.Linux.SOCK_CLOEXEC;
import static dev.cellrunner.linux.Linux.SOCK_STREAM;
import static dev.cellrunner.linux.Linux.SYS_CLONE3;
import static dev.cellrunner.linux.Linux.SYS_FCHMOD;
import static dev.cellrunner.linux.Linux.SYS_PRLIMIT64;
import static dev.cellrunner.linux.Linux.SYS_PROCESS_VM_READV;
import static dev.cellrunner.linux.Linux.SYS_SECCOMP;

/**
 * Installs a seccomp filter on the calling thread only (no SECCOMP_FILTER_FLAG_TSYNC: the rest of the
 * runner stays unfiltered). The kernel requires no_new_privs first, which {@link NoNewPrivileges} sets.
 */
public final class Seccomp {
    private static final int SOCK_FPROG_SIZE = 16;

    private Seccomp() {
    }

    public static void install(List<BpfInstruction> program) throws OsError {
        try (Memory filter = new Memory((long) program.size() * BpfInstruction.SIZE);
             Memory fprog = new Memory(SOCK_FPROG_SIZE)) {
            for (int i = 0; i < program.size(); i++) {
                BpfInstruction instruction = program.get(i);
                long at = (long) i * BpfInstruction.SIZE;
                filter.setShort(at, (short) instruction.code());
                filter.setByte(at + 2, (byte) instruction.jt());
                filter.setByte(at + 3, (byte) instruction.jf());
                filter.setInt(at + 4, instruction.k());
            }
            fprog.clear();
            fprog.setShort(0, (short) program.size());
            fprog.setPointer(8, filter);
            LibC.INSTANCE.syscall(SYS_SECCOMP, (long) SECCOMP_SET_MODE_FILTER, 0L, fprog);
        } catch (LastErrorException e) {
            throw new OsError("seccomp(SECCOMP_SET_MODE_FILTER)", e);
        }
    }

    /**
     * Calls the filter must answer, made from the filtered thread, each harmless unfiltered:
     * process_vm_readv on itself with no buffers (0) must give EPERM; clone3 with no arguments (EINVAL)
     * ENOSYS; an AF_VSOCK socket (a socket, closed at once, or EAFNOSUPPORT), reading pid 1's limits
     * with prlimit64 (0), a lease and a setuid mode on descriptor -1 (EBADF) each EPERM.
     */
    static List<Probe> probe() {
        QuietLibC libc = QuietLibC.INSTANCE;
        long self = ProcessHandle.current().pid();
        return List.of(
                Probe.expect("seccomp", "process_vm_readv(self, no buffers)", EPERM,
                        () -> orMinusErrno(libc.syscall(SYS_PROCESS_VM_READV, self, null, 0L, null, 0L, 0L))),
                Probe.expect("seccomp", "clone3(NULL, 0)", ENOSYS, () -> orMinusErrno(libc.syscall(SYS_CLONE3, null, 0L))),
                Probe.expect("seccomp", "socket(AF_VSOCK, SOCK_STREAM)", EPERM,
                        () -> closeIfOpened(orMinusErrno(libc.socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0)))),
                Probe.expect("seccomp", "prlimit64(1, RLIMIT_NOFILE, NULL, NULL)", EPERM,
                        () -> orMinusErrno(libc.syscall(SYS_PRLIMIT64, 1L, (long) RLIMIT_NOFILE, null, null))),
                Probe.expect("seccomp", "fcntl(-1, F_SETLEASE, F_RDLCK)", EPERM,
                        () -> orMinusErrno(libc.fcntl(-1, F_SETLEASE, 0))),
                Probe.expect("seccomp", "fchmod(-1, 04755)", EPERM,
                        () -> orMinusErrno(libc.syscall(SYS_FCHMOD, -1L, 04755L))));
    }
}
