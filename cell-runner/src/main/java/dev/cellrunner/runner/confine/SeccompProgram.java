package dev.cellrunner.runner.confine;

import dev.cellrunner.spec.LinuxSyscalls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.cellrunner.linux.Linux.AUDIT_ARCH_X86_64;
import static dev.cellrunner.linux.Linux.ENOSYS;
import static dev.cellrunner.linux.Linux.EPERM;
import static dev.cellrunner.linux.Linux.SECCOMP_RET_ALLOW;
import static dev.cellrunner.linux.Linux.SECCOMP_RET_ERRNO;
import static dev.cellrunner.linux.Linux.SECCOMP_RET_KILL_PROCESS;
import static dev.cellrunner.linux.Linux.X32_SYSCALL_BIT;

/**
 * Compiles a {@link SeccompPlan} to a classic BPF program for x86-64, in this order: kill any other
 * architecture and the x32 ABI; deny the listed calls (EPERM) and answer clone3 with ENOSYS; then, per
 * system call with argument rules, answer EPERM when all conditions of one of its rules hold; allow
 * the rest. Every jump is short and forward, so the program stays valid however long the deny list is.
 */
public final class SeccompProgram {
    /** {@code struct seccomp_data} offsets: nr, arch, then args[] (low 32 bits on little-endian). */
    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_ARGS = 16;
    static final int ARG_SIZE = 8;

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
        Map<String, List<SeccompPolicy.ArgumentRule>> bySyscall = new LinkedHashMap<>();
        plan.argumentRules().forEach(rule -> bySyscall.computeIfAbsent(rule.syscall(), s -> new ArrayList<>())
                .add(rule));
        List<String> syscalls = List.copyOf(bySyscall.keySet());
        for (int i = 0; i < syscalls.size(); i++) {
            a.jump(BpfInstruction.JMP_JEQ_K, number(syscalls.get(i)), "call-" + syscalls.get(i),
                    i + 1 < syscalls.size() ? "dispatch-" + (i + 1) : "allow");
            a.label("dispatch-" + (i + 1));
        }
        for (Map.Entry<String, List<SeccompPolicy.ArgumentRule>> call : bySyscall.entrySet()) {
            a.label("call-" + call.getKey());
            List<SeccompPolicy.ArgumentRule> rules = call.getValue();
            for (int r = 0; r < rules.size(); r++) {
                String next = r + 1 < rules.size() ? "rule-" + call.getKey() + "-" + (r + 1) : "allow";
                rule(a, rules.get(r), call.getKey() + "-" + r, next);
                a.label(next.equals("allow") ? "end-" + call.getKey() : next);
            }
        }
        a.label("allow");
        a.ret(SECCOMP_RET_ALLOW);
        a.label("eperm");
        a.ret(SECCOMP_RET_ERRNO | EPERM);
        return a.resolve();
    }

    /** The conditions one after another: each that fails jumps to {@code next}; all holding jump to eperm. */
    private static void rule(Assembler a, SeccompPolicy.ArgumentRule rule, String name, String next) {
        List<SeccompPolicy.Condition> conditions = rule.conditions();
        for (int c = 0; c < conditions.size(); c++) {
            SeccompPolicy.Condition condition = conditions.get(c);
            String holds = c + 1 < conditions.size() ? "cond-" + name + "-" + (c + 1) : "eperm";
            a.load(OFFSET_ARGS + condition.arg() * ARG_SIZE);
            switch (condition.test()) {
                case ANY_BIT -> a.jump(BpfInstruction.JMP_JSET_K, condition.mask(), holds, next);
                case IN, NOT_IN -> {
                    if (condition.mask() != -1) {
                        a.emit(new BpfInstruction(BpfInstruction.ALU_AND_K, 0, 0, condition.mask()));
                    }
                    boolean in = condition.test() == SeccompPolicy.Condition.Test.IN;
                    List<SeccompPolicy.Value> values = condition.values();
                    for (int v = 0; v < values.size(); v++) {
                        String otherwise = v + 1 < values.size() ? "value-" + name + "-" + c + "-" + (v + 1)
                                : (in ? next : holds);
                        a.jump(BpfInstruction.JMP_JEQ_K, values.get(v).value(), in ? holds : next, otherwise);
                        if (v + 1 < values.size()) {
                            a.label(otherwise);
                        }
                    }
                }
            }
            if (c + 1 < conditions.size()) {
                a.label(holds);
            }
        }
    }

    private static int number(String syscall) {
        return LinuxSyscalls.number(syscall)
                .orElseThrow(() -> new IllegalArgumentException("unknown system call " + syscall));
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
