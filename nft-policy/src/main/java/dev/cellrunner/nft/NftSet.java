package dev.cellrunner.nft;

import java.util.List;
import java.util.stream.Collectors;

/** One allow set with its elements in declaration order (each element once). */
public record NftSet(AllowSet kind, List<SetElement> elements) {
    public NftSet {
        elements = List.copyOf(elements);
    }

    String text() {
        StringBuilder text = new StringBuilder("\tset ").append(kind.setName()).append(" {\n")
                .append("\t\ttype ").append(kind.addressType()).append(" . inet_service\n")
                .append("\t\tflags interval\n")
                .append("\t\tcounter\n");
        if (!elements.isEmpty()) {
            text.append("\t\telements = { ")
                    .append(elements.stream().map(SetElement::text).collect(Collectors.joining(", ")))
                    .append(" }\n");
        }
        return text.append("\t}\n").toString();
    }
}
