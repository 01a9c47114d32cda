package dev.cellrunner.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * {@code authority.egressMode} (cell-runner's, not CellOS's): whether the declared egress rules are
 * enforced, or only compared with what the cell reaches while everything but the host itself is let
 * through, to learn a policy (docs/learn.md).
 */
public enum EgressMode {
    /** Only declared destinations are reachable (the default). */
    ENFORCE,
    /** Every destination but the host itself is reachable; what the rules would deny is reported. */
    AUDIT;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** "enforce" or "audit"; anything else is refused with the words a user reads. */
    public static EgressMode parse(String text) {
        for (EgressMode mode : values()) {
            if (mode.wireName().equals(text)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("egress mode '" + text + "': expected enforce or audit");
    }
}
