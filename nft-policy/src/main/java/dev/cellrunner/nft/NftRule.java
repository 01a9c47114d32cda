package dev.cellrunner.nft;

import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** A rule of a chain; its {@code comment} names it in the read-back and in the counters reported. */
public record NftRule(String comment, List<Expr> exprs) {
    public NftRule {
        exprs = List.copyOf(exprs);
    }

    static NftRule of(String comment, Expr... exprs) {
        return new NftRule(comment, Arrays.asList(exprs));
    }

    /** Whether the rule ends in a drop verdict. */
    public boolean drops() {
        return "drop".equals(verdict());
    }

    /** The statement the rule ends in: accept, drop, reject, masquerade, ...; empty when it has none. */
    public String verdict() {
        return exprs.isEmpty() ? "" : exprs.get(exprs.size() - 1).json().fieldNames().next();
    }

    String text() {
        return exprs.stream().map(Expr::text).collect(Collectors.joining(" ")) + " comment \"" + comment + "\"";
    }

    ArrayNode json() {
        ArrayNode array = Expr.JSON.createArrayNode();
        exprs.forEach(e -> array.add(e.json()));
        return array;
    }
}
