package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.CellEvent;
import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventSchemas;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@ContractSection("§2 events: order, attributes, data schemas")
@ExtendWith(HarnessExtension.class)
class EventsTest {
    /** Data schemas checked here; started (signingKeyId, §3) and confinement are judged in their own sections. */
    static final Set<EventType> SCHEMA_CHECKED_HERE = EnumSet.of(EventType.NETWORK_POLICY,
            EventType.NETWORK_ENFORCEMENT, EventType.COMPLETED, EventType.DESTROYED);

    @Test
    @DisplayName("every event of succeeding, failing, unstartable, timed-out, egress-declaring and refused runs matches the envelope schema and its data schema")
    void everyEventMatchesTheSchemas(Harness h) {
        Kernel.requireNetworkNamespaces();
        EventSchemas schemas = EventSchemas.load(h.runner().repositoryRoot());
        List<String> problems = new ArrayList<>();
        Set<EventType> seen = EnumSet.noneOf(EventType.class);
        Set<String> outcomes = new HashSet<>();
        for (RunResult run : variedRuns(h)) {
            assertThat(run.trail().events()).as("events of a run to check\n%s", run.describe()).isNotEmpty();
            outcomes.add(run.trail().data(EventType.DESTROYED).path("outcome").asText());
            for (CellEvent event : run.trail().events()) {
                EventType.of(event.type()).ifPresent(seen::add);
                problems.addAll(schemas.envelopeProblems(event));
                if (SCHEMA_CHECKED_HERE.contains(event.eventType())) {
                    problems.addAll(schemas.dataProblems(event));
                }
            }
        }
        assertThat(seen).as("event types the checked runs produced").containsExactlyInAnyOrder(EventType.values());
        assertThat(outcomes).as("destroyed.outcome of the checked runs").containsExactlyInAnyOrder("succeeded", "failed", "refused");
        assertThat(problems).as("schema problems").isEmpty();
    }

    @Test
    @DisplayName("completed runs emit started, network_policy, [confinement], network_enforcement, completed, destroyed")
    void orderOfCompletedRuns(Harness h) {
        Kernel.requireNetworkNamespaces();
        List<RunResult> runs = List.of(
                h.run(Spec.cell("crconf-order-true", "/usr/bin/true")),
                h.run(Spec.cell("crconf-order-false", "/usr/bin/false")),
                h.run(Spec.cell("crconf-order-missing", "/nonexistent/crconf-no-such-program")),
                h.run(Spec.cell("crconf-order-ttl", "/bin/sleep", "30").ttlSeconds(1)));
        runs.forEach(ContractChecks::assertCompletedRun);
        assertThat(runs.stream().map(r -> r.trail().data(EventType.DESTROYED).path("outcome").asText()).toList())
                .containsExactly("succeeded", "failed", "failed", "failed");
    }

    @Test
    @DisplayName("a refused cell (declared secret not provided) emits started, what was refused, destroyed(refused), exits 69, runs nothing")
    void orderOfARefusedRun(Harness h) {
        Path marker = h.cellFile("ran");
        Spec spec = Spec.shell("crconf-refused-secret", "touch " + marker).writable(h.cellDir()).secretRef("CRCONF_ABSENT_SECRET");
        ContractChecks.assertWouldRun(h, spec, marker, call -> call.env("CELLOS_SECRET_CRCONF_ABSENT_SECRET", "given"));

        RunResult result = h.run(spec);

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(69);
        assertThat(marker).as("the refused command ran").doesNotExist();
        ContractChecks.assertRefusedRun(result);
        ContractChecks.assertNoStackTrace(result);
    }

    @Test
    @DisplayName("common attributes: source /cell-runner/<hostname>, subject cell:<id>, unique ids, UTC times in order, cellId/runId/correlation in every data")
    void commonAttributes(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Spec spec = Spec.cell("crconf-attributes", "/usr/bin/true").correlation("gitlab", "crconf-981", "team", "infra");
        RunResult first = h.run(spec);
        RunResult second = h.run(spec);

        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        JsonNode correlation = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(spec.json())
                .path("spec").path("correlation");
        Set<String> ids = new HashSet<>();
        Instant previous = Instant.MIN;
        String runId = first.trail().events().get(0).runId();
        for (CellEvent event : first.trail().events()) {
            JsonNode json = event.json();
            assertThat(json.path("source").asText()).as("source of %s", event).isEqualTo("/cell-runner/" + hostname);
            assertThat(json.path("subject").asText()).as("subject of %s", event).isEqualTo("cell:crconf-attributes");
            assertThat(ids.add(json.path("id").asText())).as("id of %s is unique", event).isTrue();
            Instant time = Instant.parse(json.path("time").asText());
            assertThat(time).as("time of %s is not before the previous event's", event).isAfterOrEqualTo(previous);
            previous = time;
            assertThat(event.data().path("cellId").asText()).as("data.cellId of %s", event).isEqualTo("crconf-attributes");
            assertThat(event.runId()).as("data.runId of %s", event).isNotBlank().isEqualTo(runId);
            assertThat(event.data().path("correlation")).as("data.correlation of %s", event).isEqualTo(correlation);
        }
        assertThat(second.trail().events().get(0).runId()).as("runId of a second run of the same document")
                .isNotEqualTo(runId);
    }

    @Test
    @DisplayName("started reports the argv and ttlSeconds that will run; no correlation when the document has none")
    void startedReportsWhatWillRun(Harness h) {
        Kernel.requireNetworkNamespaces();
        Spec spec = Spec.cell("crconf-started", "/bin/echo", "a b", "c").ttlSeconds(17);
        RunResult result = h.run(spec);

        JsonNode started = result.trail().data(EventType.STARTED);
        List<String> argv = new ArrayList<>();
        started.path("argv").forEach(a -> argv.add(a.asText()));
        assertThat(argv).isEqualTo(spec.argv());
        assertThat(started.path("ttlSeconds").asLong()).isEqualTo(17);
        assertThat(result.trail().events()).allSatisfy(e ->
                assertThat(e.data().has("correlation")).as("correlation in %s", e).isFalse());
    }

    /** Runs that between them produce every event type and every outcome the runner can reach here. */
    private static List<RunResult> variedRuns(Harness h) {
        return List.of(
                h.run(Spec.cell("crconf-schema-true", "/usr/bin/true").correlation("gitlab", "981", "team", "infra")),
                h.run(Spec.cell("crconf-schema-false", "/usr/bin/false")),
                h.run(Spec.cell("crconf-schema-missing", "/nonexistent/crconf-no-such-program")),
                h.run(Spec.cell("crconf-schema-ttl", "/bin/sleep", "30").ttlSeconds(1)),
                h.run(Spec.cell("crconf-schema-egress", "/usr/bin/true").egress("198.51.100.10", 443, "tcp")
                        .egress("2001:db8::/64", 53, "udp")),
                h.run(Spec.cell("crconf-schema-refused", "/usr/bin/true").secretRef("CRCONF_ABSENT_SECRET")),
                h.call(RunnerCall.run(h.writeSpec(Spec.cell("crconf-schema-nons", "/usr/bin/true")))
                        .wrappedBy("setpriv", "--bounding-set=-all", "--inh-caps=-all").limit(Duration.ofSeconds(60))));
    }
}
