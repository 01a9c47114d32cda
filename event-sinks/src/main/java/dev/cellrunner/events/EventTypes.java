package dev.cellrunner.events;

import java.util.List;

/** The contract's event {@code type} strings, in the order a run emits them. */
public final class EventTypes {
    public static final String STARTED = "dev.cellos.events.cell.lifecycle.v1.started";
    public static final String NETWORK_POLICY = "dev.cellos.events.cell.observability.v1.network_policy";
    public static final String CONFINEMENT = "dev.cellos.events.cell.observability.v1.confinement";
    public static final String NETWORK_ENFORCEMENT = "dev.cellos.events.cell.observability.v1.network_enforcement";
    public static final String COMMAND_COMPLETED = "dev.cellos.events.cell.command.v1.completed";
    public static final String DESTROYED = "dev.cellos.events.cell.lifecycle.v1.destroyed";

    public static final List<String> RUN_ORDER =
            List.of(STARTED, NETWORK_POLICY, CONFINEMENT, NETWORK_ENFORCEMENT, COMMAND_COMPLETED, DESTROYED);

    private EventTypes() {
    }
}
