package dev.cellrunner.conformance.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions several contract sections share: event order of a run, "nothing ran", no stack traces. */
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
