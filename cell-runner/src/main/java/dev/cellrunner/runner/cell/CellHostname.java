package dev.cellrunner.runner.cell;

import java.util.Locale;

/**
 * The hostname of a cell's UTS namespace: its id made a valid hostname (RFC 1123 labels of letters,
 * digits and hyphens, each 1-63 characters, not starting or ending with a hyphen; at most 64
 * characters in all, the kernel's limit).
 */
public final class CellHostname {
    static final int MAX_LENGTH = 64;
    private static final int MAX_LABEL = 63;

    private CellHostname() {
    }

    public static String of(String cellId) {
        String lower = cellId.toLowerCase(Locale.ROOT);
        StringBuilder name = new StringBuilder();
        for (String raw : lower.split("\\.")) {
            String label = raw.replaceAll("[^a-z0-9-]+", "-").replaceAll("-{2,}", "-").replaceAll("^-+|-+$", "");
            if (label.length() > MAX_LABEL) {
                label = label.substring(0, MAX_LABEL).replaceAll("-+$", "");
            }
            if (label.isEmpty() || name.length() + 1 + label.length() > MAX_LENGTH) {
                continue;
            }
            name.append(name.length() == 0 ? "" : ".").append(label);
        }
        return name.length() == 0 ? "cell" : name.toString();
    }
}
