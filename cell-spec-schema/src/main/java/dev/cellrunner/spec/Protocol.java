package dev.cellrunner.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/** Transport protocol of an egress rule; the wire form is lowercase. */
public enum Protocol {
    TCP, UDP;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
