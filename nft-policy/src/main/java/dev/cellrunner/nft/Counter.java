package dev.cellrunner.nft;

/** Packets and bytes an nft counter reports. */
public record Counter(long packets, long bytes) {
    public static final Counter ZERO = new Counter(0, 0);

    public Counter plus(Counter other) {
        return new Counter(packets + other.packets, bytes + other.bytes);
    }
}
