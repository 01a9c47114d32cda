package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.Await;
import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@ContractSection("§1 lifetime (ttlSeconds, timeoutMs)")
@ExtendWith(HarnessExtension.class)
class LifetimeTest {

    @Test
    @DisplayName("TTL expiry with a detached grandchild that ignores SIGTERM: exit 124, timedOut, no process of the cell left")
    void ttlKillsTheWholeTree(Harness h) {
        Kernel.requireNetworkNamespaces();
        String marker = h.marker();
        Path grandchildPid = h.cellFile("grandchild.pid");
        // The grandchild leaves the process group and session (setsid) and is reparented away from the
        // runner; both it and the direct child ignore SIGTERM and carry the marker in argv[0].
        String grandchild = "echo $$ > " + grandchildPid + "; trap '' TERM; exec -a " + marker + "-grandchild sleep 60";
        String script = "( setsid /bin/bash -c \"" + grandchild + "\" & ); trap '' TERM; "
                + "while [ ! -s " + grandchildPid + " ]; do sleep 0.05; done; exec -a " + marker + "-child sleep 60";
        Spec spec = Spec.cell("crconf-ttl", "/bin/bash", "-c", script).writable(h.cellDir()).ttlSeconds(2);

        try {
            assertWholeTreeEnds(h.call(RunnerCall.run(h.writeSpec(spec)).limit(Duration.ofSeconds(30))), marker,
                    grandchildPid);
        } finally {
            Proc.killProcessesWithMarker(marker);
        }
    }

    private static void assertWholeTreeEnds(RunResult result, String marker, Path grandchildPid) {
        assertThat(grandchildPid).as("the grandchild was born (else this case proves nothing)").isNotEmptyFile();
        assertThat(result.exitCode()).as(result.describe()).isEqualTo(124);
        assertThat(result.elapsed()).as("time until the runner exited (TTL 2 s, the cell sleeps 60 s)")
                .isLessThan(Duration.ofSeconds(20));
        try {
            Await.until(Duration.ofSeconds(2), "the cell's processes to be gone", () -> Proc.processesWithMarker(marker).isEmpty());
        } catch (AssertionError stillThere) {
            assertThat(Proc.processesWithMarker(marker)).as("processes of the cell left after the runner exited").isEmpty();
        }
        ContractChecks.assertCompletedRun(result);
        JsonNode completed = result.trail().data(EventType.COMPLETED);
        assertThat(completed.path("timedOut").asBoolean()).as("completed.timedOut").isTrue();
        assertThat(result.trail().data(EventType.DESTROYED).path("terminalState").asText()).isEqualTo("forced");
    }

    @Test
    @DisplayName("run.timeoutMs shorter than the TTL ends the command: exit 124, completed.timedOut")
    void timeoutMsShorterThanTtl(Harness h) {
        Kernel.requireNetworkNamespaces();
        Spec spec = Spec.cell("crconf-timeout", "/bin/sleep", "30").ttlSeconds(60).timeoutMs(1500);

        RunResult result = h.call(RunnerCall.run(h.writeSpec(spec)).limit(Duration.ofSeconds(25)));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(124);
        assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(15));
        assertThat(result.trail().data(EventType.COMPLETED).path("timedOut").asBoolean()).isTrue();
    }
}
