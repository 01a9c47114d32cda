package dev.cellrunner.conformance.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions several contract sections share: event order of a run, "nothing ran" and its control, a verifying trail, no stack traces. */
public final class ContractChecks {
    /** §2: started, network_policy, [confinement], network_enforcement, completed, destroyed. */
    private static final Pattern COMPLETED_RUN =
            Pattern.compile("started network_policy( confinement)? network_enforcement completed destroyed");
    /** §2: a refused cell gets started, what could not be enforced, and destroyed(refused). */
    private static final Pattern REFUSED_RUN =
            Pattern.compile("started (network_policy|confinement|network_policy confinement) destroyed");

    private ContractChecks() {
    }

    /** The trail holds exactly one run, in the contract's order, ending with destroyed. */
    public static void assertCompletedRun(RunResult result) {
        assertOneRunMatching(result, COMPLETED_RUN);
    }

    /** Every run in the trail (grouped by runId) is a completed run in the contract's order. */
    public static void assertEveryRunCompleted(Trail trail) {
        trail.runs().forEach((runId, events) -> assertThat(String.join(" ", events.stream()
                .map(e -> e.eventType().schemaName()).toList()))
                .as("event order of run %s in %s", runId, trail.file()).matches(COMPLETED_RUN));
    }

    /** The trail holds exactly one refused run, and no command ran (no completed event). */
    public static void assertRefusedRun(RunResult result) {
        assertOneRunMatching(result, REFUSED_RUN);
        assertThat(result.trail().data(EventType.DESTROYED).path("outcome").asText())
                .as("destroyed.outcome of a refused run\n%s", result.describe()).isEqualTo("refused");
    }

    private static void assertOneRunMatching(RunResult result, Pattern order) {
        assertThat(result.trail().runs()).as("runs in the trail\n%s", result.describe()).hasSize(1);
        String types = String.join(" ", result.trail().shortTypes());
        assertThat(types).as("event order of the run\n%s", result.describe()).matches(order);
    }

    /** §1/§4: the command never started (its marker file is absent) and no event was written. */
    public static void assertNothingRan(RunResult result, Path marker) {
        assertThat(Files.exists(marker)).as("the cell's command ran (it created %s)\n%s", marker, result.describe())
                .isFalse();
        assertThat(result.trail().events()).as("events written although nothing may run\n%s", result.describe())
                .isEmpty();
    }

    /**
     * The precondition of every "nothing ran" case: run as it is, {@code spec} does leave {@code marker}.
     * Without this control, a runner that never runs anything would pass those cases. The marker is
     * removed again afterwards.
     */
    public static void assertWouldRun(Harness h, Spec spec, Path marker) {
        assertWouldRun(h, spec, marker, call -> { });
    }

    /** The same, with {@code adjust} applied to the control run's call (e.g. the environment it needs). */
    public static void assertWouldRun(Harness h, Spec spec, Path marker, Consumer<RunnerCall> adjust) {
        RunnerCall call = RunnerCall.run(h.writeSpec(spec));
        adjust.accept(call);
        RunResult control = h.call(call);
        assertThat(control.exitCode()).as("control run of the same document\n%s", control.describe()).isZero();
        assertThat(marker).as("control run: the document's command leaves %s\n%s", marker, control.describe()).exists();
        try {
            Files.delete(marker);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * §3: {@code verify --key PUB TRAIL} accepts the trail, and the suite's own verifier finds every event
     * signed by that key and chained. The trail must hold at least one run.
     */
    public static void assertTrailVerifies(Harness h, Path trail, Path publicKey) {
        Trail events = Trail.read(trail);
        assertThat(events.runs()).as("runs in %s", trail).isNotEmpty();
        RunResult verify = h.call(RunnerCall.of("verify", "--key", publicKey.toString(), trail.toString()));
        assertThat(verify.exitCode()).as("verify --key of the trail\n%s\n%s", verify.describe(), verify.stdoutText())
                .isZero();
        byte[] raw = KeyFiles.rawPublicKey(publicKey);
        events.runs().forEach((runId, run) -> assertThat(TrailVerifier.problems(run, raw))
                .as("the suite's own check of run %s", runId).isEmpty());
    }

    /** Team rule: users never see a stack trace, whatever the input. */
    public static void assertNoStackTrace(RunResult result) {
        assertThat(result.stderr()).as("stderr shows a stack trace\n%s", result.describe())
                .doesNotContainPattern("(?m)^\\s+at [\\w.$]+\\(")
                .doesNotContain("Exception in thread");
    }

    /** The interface names listed by a copy of /proc/net/dev (header lines skipped). */
    public static List<String> interfacesIn(String netDev) {
        return netDev.lines().skip(2).filter(l -> l.contains(":")).map(l -> l.substring(0, l.indexOf(':')).trim())
                .toList();
    }
}
