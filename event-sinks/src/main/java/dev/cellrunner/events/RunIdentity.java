package dev.cellrunner.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Who emits (source host) and for which run; every event of a run carries these.
 * {@code correlation} is the document's correlation object, or null when the document had none;
 * {@code workItem} says which work queue message the run is (stream, sequence), or null.
 */
public record RunIdentity(String hostname, String cellId, String runId, ObjectNode correlation, ObjectNode workItem) {
    public RunIdentity(String hostname, String cellId, String runId, ObjectNode correlation) {
        this(hostname, cellId, runId, correlation, null);
    }

    public String source() {
        return "/cell-runner/" + hostname;
    }

    public String subject() {
        return "cell:" + cellId;
    }
}
