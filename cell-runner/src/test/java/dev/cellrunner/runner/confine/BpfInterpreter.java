package dev.cellrunner.runner.confine;

import java.util.List;

/**
 * Runs a classic BPF seccomp program the way the kernel would, for the instructions the runner emits,
 * on one {@code struct seccomp_data}. Anything else is an error, so the tests notice new opcodes.
 */
final class BpfInterpreter {
    private BpfInterpreter() {
    }

    /** The action the program returns for system call {@code nr} on {@code arch} with {@code args}. */
    static int run(List<BpfInstruction> program, int arch, int nr, long... args) {
        int accumulator = 0;
        int pc = 0;
        for (int steps = 0; steps <= program.size(); steps++) {
            BpfInstruction in = program.get(pc);
            switch (in.code()) {
                case BpfInstruction.LD_W_ABS -> {
                    accumulator = load(in.k(), arch, nr, args);
                    pc++;
                }
                case BpfInstruction.ALU_AND_K -> {
                    accumulator &= in.k();
                    pc++;
                }
                case BpfInstruction.JMP_JEQ_K -> pc += 1 + (accumulator == in.k() ? in.jt() : in.jf());
                case BpfInstruction.JMP_JGE_K -> pc += 1 + (Integer.compareUnsigned(accumulator, in.k()) >= 0
                        ? in.jt() : in.jf());
                case BpfInstruction.JMP_JSET_K -> pc += 1 + ((accumulator & in.k()) != 0 ? in.jt() : in.jf());
                case BpfInstruction.RET_K -> {
                    return in.k();
                }
                default -> throw new IllegalStateException("opcode 0x" + Integer.toHexString(in.code()));
            }
        }
        throw new IllegalStateException("program does not end");
    }

    private static int load(int offset, int arch, int nr, long[] args) {
        if (offset == 0) {
            return nr;
        }
        if (offset == 4) {
            return arch;
        }
        if (offset >= 16 && offset < 64 && offset % 4 == 0) {
            int index = (offset - 16) / 8;
            long value = index < args.length ? args[index] : 0;
            return (offset % 8 == 0) ? (int) value : (int) (value >>> 32);
        }
        throw new IllegalStateException("load from offset " + offset);
    }
}
