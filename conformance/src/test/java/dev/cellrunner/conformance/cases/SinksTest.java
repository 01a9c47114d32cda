package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunningRunner;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.Trail;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ContractSection("§5 sinks")
@ExtendWith(HarnessExtension.class)
class SinksTest {
    private static final int CONCURRENT_RUNNERS = 4;

    @Test
    @DisplayName("JSONL: several runners appending to one file leave only whole lines and every run complete")
    void concurrentRunnersShareOneFile(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path shared = h.file("shared.jsonl");
        List<RunningRunner> running = new ArrayList<>();
        for (int i = 0; i < CONCURRENT_RUNNERS; i++) {
            Path spec = h.writeSpec(Spec.shell("crconf-concurrent-" + i, "echo cell " + i));
            running.add(h.start(RunnerCall.of("run", "--events", "jsonl:" + shared, spec.toString())));
        }
        running.forEach(r -> assertThat(r.awaitExit().exitCode()).isZero());

        Trail trail = Trail.read(shared);
        assertThat(trail.runs()).as("runs in the shared file").hasSize(CONCURRENT_RUNNERS);
        ContractChecks.assertEveryRunCompleted(trail);
    }

    @Test
    @DisplayName("without --events the trail goes to $XDG_STATE_HOME/cell-runner/events.jsonl and stderr says so")
    void defaultTrail(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path spec = h.writeSpec(Spec.cell("crconf-default-sink", "/usr/bin/true"));
        Path expected = h.dir().resolve("state/cell-runner/events.jsonl");

        RunResult result = h.call(RunnerCall.of("run", spec.toString()));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stderr()).as("stderr names where the events went").contains(expected.toString());
        assertThat(Trail.read(expected).runs()).as("runs in %s", expected).hasSize(1);
    }

    @Test
    @DisplayName("--events none writes no trail and the command still runs")
    void eventsNone(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path marker = h.cellFile("ran");
        Path spec = h.writeSpec(Spec.shell("crconf-no-sink", "touch " + marker).writable(h.cellDir()));

        RunResult result = h.call(RunnerCall.of("run", "--events", "none", spec.toString()));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(marker).exists();
        assertThat(h.dir().resolve("state")).as("a default trail was written").doesNotExist();
    }

    @Test
    @DisplayName("CELL_OS_JSONL_EVENTS=PATH sends the trail to PATH; CELL_OS_USE_NOOP_SINK=1 turns events off")
    void cellOsVariables(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path spec = h.writeSpec(Spec.cell("crconf-env-sink", "/usr/bin/true"));
        Path viaVariable = h.file("via-variable.jsonl");

        RunResult jsonl = h.call(RunnerCall.of("run", spec.toString()).env("CELL_OS_JSONL_EVENTS", viaVariable.toString()));
        RunResult noop = h.call(RunnerCall.of("run", spec.toString()).env("CELL_OS_USE_NOOP_SINK", "1"));

        assertThat(jsonl.exitCode()).as(jsonl.describe()).isZero();
        assertThat(Trail.read(viaVariable).runs()).hasSize(1);
        assertThat(noop.exitCode()).as(noop.describe()).isZero();
        assertThat(h.dir().resolve("state")).as("a default trail was written although events are off").doesNotExist();
    }

    @Test
    @DisplayName("--events is repeatable: every JSONL sink gets the same events")
    void repeatableEvents(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Path spec = h.writeSpec(Spec.cell("crconf-two-sinks", "/usr/bin/true"));
        Path a = h.file("a.jsonl");
        Path b = h.file("b.jsonl");

        RunResult result = h.call(RunnerCall.of("run", "--events", "jsonl:" + a, "--events", "jsonl:" + b, spec.toString()));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(Trail.read(a).runs()).hasSize(1);
        ContractChecks.assertEveryRunCompleted(Trail.read(a));
        assertThat(Files.readAllLines(a)).as("the two trails").isEqualTo(Files.readAllLines(b));
    }
}
