package dev.cellrunner.conformance.harness;

import java.util.Arrays;
import java.util.Optional;

/** The six event types of CONTRACT.md §2, with the name of each one's data schema under schema/events/. */
public enum EventType {
    STARTED("dev.cellos.events.cell.lifecycle.v1.started", "started"),
    NETWORK_POLICY("dev.cellos.events.cell.observability.v1.network_policy", "network_policy"),
    CONFINEMENT("dev.cellos.events.cell.observability.v1.confinement", "confinement"),
    NETWORK_ENFORCEMENT("dev.cellos.events.cell.observability.v1.network_enforcement", "network_enforcement"),
    COMPLETED("dev.cellos.events.cell.command.v1.completed", "completed"),
    DESTROYED("dev.cellos.events.cell.lifecycle.v1.destroyed", "destroyed");

    private final String type;
    private final String schemaName;

    EventType(String type, String schemaName) {
        this.type = type;
        this.schemaName = schemaName;
    }

    public String type() {
        return type;
    }

    /** File name stem of the data schema: {@code schema/events/<schemaName>.schema.json}. */
    public String schemaName() {
        return schemaName;
    }

    public static Optional<EventType> of(String type) {
        return Arrays.stream(values()).filter(t -> t.type.equals(type)).findFirst();
    }
}
