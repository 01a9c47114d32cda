package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@ContractSection("§4 exit status")
@ExtendWith(HarnessExtension.class)
class ExitStatusTest {

    @ParameterizedTest(name = "{0} exits {1}; completed.exitCode {1}, destroyed {2}", quoteTextArguments = false)
    @CsvSource(delimiter = '|', textBlock = """
            /usr/bin/true | 0 | succeeded
            /usr/bin/false | 1 | failed
            /bin/sh -c 'exit 7' | 7 | failed
            """)
    @DisplayName("the command's own status is the runner's")
    void ownStatusPassesThrough(String command, int status, String outcome, Harness h) {
        Kernel.requireNetworkNamespaces();
        String[] argv = command.startsWith("/bin/sh") ? new String[] {"/bin/sh", "-c", "exit " + status}
                : new String[] {command};
        RunResult result = h.run(Spec.cell("crconf-status-" + status, argv));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(status);
        ContractChecks.assertCompletedRun(result);
        assertThat(result.trail().data(EventType.COMPLETED).path("exitCode").asInt()).isEqualTo(status);
        assertThat(result.trail().data(EventType.DESTROYED).path("outcome").asText()).isEqualTo(outcome);
    }

    @Test
    @DisplayName("a command killed by SIGTERM gives 128+15; completed.signal 15")
    void signalGives128PlusN(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.shell("crconf-signal", "kill -TERM $$; sleep 5"));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(128 + 15);
        assertThat(result.trail().data(EventType.COMPLETED).path("signal").asInt()).isEqualTo(15);
        assertThat(result.trail().data(EventType.COMPLETED).path("timedOut").asBoolean()).isFalse();
    }

    @Test
    @DisplayName("a missing executable: non-zero exit, completed.spawnError says why, full event sequence")
    void missingExecutable(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.cell("crconf-missing", "/nonexistent/crconf-no-such-program"));

        assertThat(result.exitCode()).as(result.describe()).isNotZero();
        ContractChecks.assertCompletedRun(result);
        assertThat(result.trail().data(EventType.COMPLETED).path("spawnError").asText())
                .as("completed.spawnError\n%s", result.describe()).isNotBlank();
        assertThat(result.trail().data(EventType.DESTROYED).path("outcome").asText()).isEqualTo("failed");
        ContractChecks.assertNoStackTrace(result);
    }

    @Test
    @DisplayName("a bad command line exits 64 and runs nothing")
    void badCommandLine(Harness h) {
        Path marker = h.cellFile("ran");
        Spec cell = Spec.shell("crconf-usage", "touch " + marker).writable(h.cellDir());
        ContractChecks.assertWouldRun(h, cell, marker);
        Path spec = h.writeSpec(cell);
        RunResult result = h.call(RunnerCall.of("run", "--crconf-no-such-option", spec.toString()));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(64);
        ContractChecks.assertNothingRan(result, marker);
        ContractChecks.assertNoStackTrace(result);
    }

    @Test
    @DisplayName("fail closed: a runner that may not create a network namespace exits 69, refuses in events, runs nothing")
    void refusesWhenNamespaceCannotBeCreated(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path marker = h.cellFile("ran");
        Spec cell = Spec.shell("crconf-refused", "touch " + marker).writable(h.cellDir());
        ContractChecks.assertWouldRun(h, cell, marker);
        Path spec = h.writeSpec(cell);
        // Root without any capability: the kernel refuses unshare(CLONE_NEWNET) with EPERM.
        RunResult result = h.call(RunnerCall.run(spec).wrappedBy("setpriv", "--bounding-set=-all", "--inh-caps=-all"));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(69);
        assertThat(marker).as("the command ran although the namespace could not be created").doesNotExist();
        ContractChecks.assertRefusedRun(result);
        ContractChecks.assertNoStackTrace(result);
    }

    @Test
    @DisplayName("a required event sink that cannot be opened exits 74 and runs nothing")
    void sinkFailureExits74(Harness h) {
        Path marker = h.cellFile("ran");
        Spec cell = Spec.shell("crconf-sink", "touch " + marker).writable(h.cellDir());
        ContractChecks.assertWouldRun(h, cell, marker);
        Path spec = h.writeSpec(cell);
        RunResult result = h.call(RunnerCall.of("run", "--events", "jsonl:/proc/crconf-no-such-dir/events.jsonl",
                spec.toString()));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(74);
        ContractChecks.assertNothingRan(result, marker);
        ContractChecks.assertNoStackTrace(result);
    }
}
