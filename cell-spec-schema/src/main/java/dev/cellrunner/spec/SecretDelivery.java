package dev.cellrunner.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/** How secrets named in {@code secretRefs} reach the workload. */
public enum SecretDelivery {
    /** Not delivered: the names are declared (and audited) but the values stay with the runner. */
    NONE,
    /** Delivered as environment variables of the same name. */
    ENV;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
