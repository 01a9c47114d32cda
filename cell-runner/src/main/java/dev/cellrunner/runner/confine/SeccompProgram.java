package dev.cellrunner.runner.confine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.cellrunner.runner.os.Linux.AF_INET6;
import static dev.cellrunner.runner.os.Linux.AF_INET;
import static dev.cellrunner.runner.os.Linux.AF_PACKET;
import static dev.cellrunner.runner.os.Linux.AUDIT_ARCH_X86_64;
import static dev.cellrunner.runner.os.Linux.CLONE_NAMESPACES;
import static dev.cellrunner.runner.os.Linux.ENOSYS;
import static dev.cellrunner.runner.os.Linux.EPERM;
import static dev.cellrunner.runner.os.Linux.SECCOMP_RET_ALLOW;
import static dev.cellrunner.runner.os.Linux.SECCOMP_RET_ERRNO;
import static dev.cellrunner.runner.os.Linux.SECCOMP_RET_KILL_PROCESS;
import static dev.cellrunner.runner.os.Linux.SOCK_PACKET;
import static dev.cellrunner.runner.os.Linux.SOCK_RAW;
import static dev.cellrunner.runner.os.Linux.SOCK_TYPE_MASK;
import static dev.cellrunner.runner.os.Linux.SYS_CLONE;
import static dev.cellrunner.runner.os.Linux.SYS_SOCKET;
import static dev.cellrunner.runner.os.Linux.X32_SYSCALL_BIT;

/**
 * Compiles a {@link SeccompPlan} to a classic BPF program for x86-64, in this order: kill any other
 * architecture and the x32 ABI; deny the listed calls (EPERM) and answer clone3 with ENOSYS; deny
 * clone with namespace flags and the dangerous socket families and types; allow the rest.
 * Every jump is short and forward, so the program stays valid however long the deny list is.
 */
public final class SeccompProgram {
    /** {@code struct seccomp_data} offsets: nr, arch, then args[] (low 32 bits on little-endian). */
    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_ARG0 = 16;
    static final int OFFSET_ARG1 = 24;

    private SeccompProgram() {
    }

    public static List<BpfInstruction> compile(SeccompPlan plan) {
        Assembler a = new Assembler();
        a.load(OFFSET_ARCH);
        a.jump(BpfInstruction.JMP_JEQ_K, AUDIT_ARCH_X86_64, "native", "foreign");
        a.label("foreign");
        a.ret(SECCOMP_RET_KILL_PROCESS);
        a.label("native");
        a.load(OFFSET_NR);
        a.jump(BpfInstruction.JMP_JGE_K, X32_SYSCALL_BIT, "x32", "numbers");
        a.label("x32");
        a.ret(SECCOMP_RET_KILL_PROCESS);
        a.label("numbers");
        for (SeccompPlan.Entry entry : plan.denied()) {
            answer(a, entry.number(), SECCOMP_RET_ERRNO | EPERM);
        }
        for (SeccompPlan.Entry entry : plan.notImplemented()) {
            answer(a, entry.number(), SECCOMP_RET_ERRNO | ENOSYS);
        }
        a.jump(BpfInstruction.JMP_JEQ_K, (int) SYS_CLONE, "clone", "not-clone");
        a.label("clone");
        a.load(OFFSET_ARG0);
        a.jump(BpfInstruction.JMP_JSET_K, CLONE_NAMESPACES, "eperm", "allow");
        a.label("not-clone");
        a.jump(BpfInstruction.JMP_JEQ_K, (int) SYS_SOCKET, "socket", "allow");
        a.label("socket");
        a.load(OFFSET_ARG0);
        a.jump(BpfInstruction.JMP_JEQ_K, AF_PACKET, "eperm", "not-packet");
        a.label("not-packet");
        a.jump(BpfInstruction.JMP_JEQ_K, AF_INET, "inet", "not-inet4");
        a.label("not-inet4");
        a.jump(BpfInstruction.JMP_JEQ_K, AF_INET6, "inet", "allow");
        a.label("inet");
        a.load(OFFSET_ARG1);
        a.emit(new BpfInstruction(BpfInstruction.ALU_AND_K, 0, 0, SOCK_TYPE_MASK));
        a.jump(BpfInstruction.JMP_JEQ_K, SOCK_RAW, "eperm", "not-raw");
        a.label("not-raw");
        a.jump(BpfInstruction.JMP_JEQ_K, SOCK_PACKET, "eperm", "allow");
        a.label("allow");
        a.ret(SECCOMP_RET_ALLOW);
        a.label("eperm");
        a.ret(SECCOMP_RET_ERRNO | EPERM);
        return a.resolve();
    }

    /** {@code if (nr == number) return action;} in two instructions, so no jump grows with the list. */
    private static void answer(Assembler a, int number, int action) {
        a.emit(new BpfInstruction(BpfInstruction.JMP_JEQ_K, 0, 1, number));
        a.ret(action);
    }

    /** Forward jumps to named labels, resolved to relative offsets once the program is complete. */
    private static final class Assembler {
        /** A jump whose targets are still label names. */
        private record Jump(int op, int k, String ifTrue, String ifFalse) {
        }

        private final List<Object> code = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();

        void emit(BpfInstruction instruction) {
            code.add(instruction);
        }

        void load(int offset) {
            emit(new BpfInstruction(BpfInstruction.LD_W_ABS, 0, 0, offset));
        }

        void ret(int action) {
            emit(new BpfInstruction(BpfInstruction.RET_K, 0, 0, action));
        }

        void jump(int op, int k, String ifTrue, String ifFalse) {
            code.add(new Jump(op, k, ifTrue, ifFalse));
        }

        void label(String name) {
            labels.put(name, code.size());
        }

        List<BpfInstruction> resolve() {
            List<BpfInstruction> program = new ArrayList<>();
            for (int i = 0; i < code.size(); i++) {
                if (code.get(i) instanceof Jump jump) {
                    program.add(new BpfInstruction(jump.op(), offset(i, jump.ifTrue()), offset(i, jump.ifFalse()),
                            jump.k()));
                } else {
                    program.add((BpfInstruction) code.get(i));
                }
            }
            return program;
        }

        private int offset(int from, String label) {
            Integer target = labels.get(label);
            if (target == null) {
                throw new IllegalStateException("undefined label " + label);
            }
            return target - from - 1;
        }
    }
}
