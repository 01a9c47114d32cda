package dev.cellrunner.nft;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One allow set with its elements in declaration order (each element once), or ({@code answers}) one
 * answer set: empty at load, filled during the run with single addresses that each expire.
 */
public record NftSet(AllowSet kind, List<SetElement> elements, boolean answers) {
    public NftSet {
        elements = List.copyOf(elements);
        if (answers && !elements.isEmpty()) {
            throw new IllegalArgumentException("an answer set starts empty");
        }
    }

    public String name() {
        return answers ? kind.answerSetName() : kind.setName();
    }

    /** Prefixes need intervals; answers are single addresses with a timeout each. */
    public String flag() {
        return answers ? "timeout" : "interval";
    }

    String text() {
        StringBuilder text = new StringBuilder("\tset ").append(name()).append(" {\n")
                .append("\t\ttype ").append(kind.addressType()).append(" . inet_service\n")
                .append("\t\tflags ").append(flag()).append("\n")
                .append("\t\tcounter\n");
        if (!elements.isEmpty()) {
            text.append("\t\telements = { ")
                    .append(elements.stream().map(SetElement::text).collect(Collectors.joining(", ")))
                    .append(" }\n");
        }
        return text.append("\t}\n").toString();
    }
}
