package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The schema check can fail: a conforming event passes, and each kind of defect is named. */
@ContractSection("harness self-test")
class EventSchemasSelfTest {
    private final EventSchemas schemas = EventSchemas.load(RunnerUnderTest.fromEnvironment().repositoryRoot());

    @Test
    @DisplayName("a conforming completed event has no schema problems")
    void conformingEventPasses() throws Exception {
        CellEvent event = completed();
        assertThat(schemas.envelopeProblems(event)).isEmpty();
        assertThat(schemas.dataProblems(event)).isEmpty();
    }

    @Test
    @DisplayName("a missing data field, a wrong type, a missing cellId and a non-UTC time are each reported")
    void defectsAreReported() throws Exception {
        CellEvent noExitCode = completed();
        ((ObjectNode) noExitCode.data()).remove("exitCode");
        CellEvent textTimedOut = completed();
        ((ObjectNode) textTimedOut.data()).put("timedOut", "no");
        CellEvent noCellId = completed();
        ((ObjectNode) noCellId.data()).remove("cellId");
        CellEvent localTime = completed();
        ((ObjectNode) localTime.json()).put("time", "2026-11-26T04:24:59+01:00");

        assertThat(schemas.dataProblems(noExitCode)).singleElement().asString().contains("exitCode");
        assertThat(schemas.dataProblems(textTimedOut)).singleElement().asString().contains("timedOut");
        assertThat(schemas.dataProblems(noCellId)).singleElement().asString().contains("cellId");
        assertThat(schemas.envelopeProblems(localTime)).singleElement().asString().contains("time");
    }

    private static CellEvent completed() throws Exception {
        return new CellEvent(1, Trail.JSON.readTree("""
                {"specversion":"1.0","id":"e1","source":"/cell-runner/host","type":"dev.cellos.events.cell.command.v1.completed",
                 "datacontenttype":"application/json","subject":"cell:c","time":"2026-11-26T04:24:59.17Z",
                 "data":{"cellId":"c","runId":"r","exitCode":0,"signal":null,"durationMs":3,"timedOut":false,
                         "spawnError":null,"stdoutBytes":0,"stderrBytes":0}}"""));
    }
}
