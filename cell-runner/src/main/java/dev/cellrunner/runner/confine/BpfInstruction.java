package dev.cellrunner.runner.confine;

/** One classic BPF instruction ({@code struct sock_filter}): 16-bit code, two 8-bit jump offsets, 32-bit k. */
public record BpfInstruction(int code, int jt, int jf, int k) {
    public static final int LD_W_ABS = 0x20;
    public static final int JMP_JEQ_K = 0x15;
    public static final int JMP_JGE_K = 0x35;
    public static final int JMP_JSET_K = 0x45;
    public static final int ALU_AND_K = 0x54;
    public static final int RET_K = 0x06;
    /** Size of one instruction in memory. */
    public static final int SIZE = 8;

    public BpfInstruction {
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
            throw new IllegalArgumentException("jump offset out of range: " + jt + "/" + jf);
        }
    }
}
