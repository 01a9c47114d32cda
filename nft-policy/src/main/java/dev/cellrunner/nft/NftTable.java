package dev.cellrunner.nft;

import java.util.List;

/** One {@code table inet NAME}: what is written to {@code nft -f -}, and what its read-back must equal. */
public record NftTable(String name, List<NftSet> sets, List<NftChain> chains) {
    public NftTable {
        if (!name.matches("[a-z][a-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("'" + name + "' is not a plain nft table name");
        }
        sets = List.copyOf(sets);
        chains = List.copyOf(chains);
    }

    /** The nft script; {@code nft -f -} adds the table in one transaction or not at all. */
    public String text() {
        StringBuilder text = new StringBuilder("table inet ").append(name).append(" {\n");
        for (NftSet set : sets) {
            text.append(set.text());
        }
        for (NftChain chain : chains) {
            text.append(chain.text());
        }
        return text.append("}\n").toString();
    }

    /** What the kernel must report for this table, counters and handles aside. */
    public TableModel expected() {
        return TableModel.of(this);
    }
}
