package dev.cellrunner.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;

import java.net.URI;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Builds the contract's CloudEvents for one run: common attributes, cellId/runId/correlation/workItem in data, and
 * the {@code cellid}/{@code runid} extensions. {@code data} is RFC 8785 canonical JSON, the exact bytes signed.
 */
public final class CellEventFactory {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RunIdentity run;
    private final Clock clock;
    private final URI source;

    public CellEventFactory(RunIdentity run, Clock clock) {
        this.run = run;
        this.clock = clock;
        this.source = URI.create(run.source());
    }

    public RunIdentity run() {
        return run;
    }

    public CloudEvent build(String type, ObjectNode fields) {
        ObjectNode data = MAPPER.createObjectNode();
        data.put("cellId", run.cellId());
        data.put("runId", run.runId());
        if (run.correlation() != null) {
            data.set("correlation", run.correlation());
        }
        if (run.workItem() != null) {
            data.set("workItem", run.workItem());
        }
        data.setAll(fields);
        return CloudEventBuilder.v1()
                .withId(UUID.randomUUID().toString())
                .withSource(source)
                .withType(type)
                .withSubject(run.subject())
                .withTime(OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS))
                .withDataContentType("application/json")
                .withData(Jcs.canonicalize(data))
                .withExtension(ExtensionNames.CELL_ID, run.cellId())
                .withExtension(ExtensionNames.RUN_ID, run.runId())
                .build();
    }
}
