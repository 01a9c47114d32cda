package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.RunnerPolicy;
import dev.cellrunner.runner.cgroup.DefaultLimits;
import dev.cellrunner.runner.confine.UidRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written run and submit parsers and picocli's model must agree, or the two paths would differ. */
class FastArgsTest {
    private static final CommandLine CLI = new CommandLine(new Main());

    @Test
    void theFastPathKnowsExactlyTheValuedOptionsOfRun() {
        Set<String> picocli = CLI.getSubcommands().get("run").getCommandSpec().options().stream()
                .filter(option -> option.arity().max() > 0).map(OptionSpec::longestName).collect(Collectors.toSet());
        assertThat(FastArgs.RUN_VALUED).isEqualTo(picocli);
    }

    @Test
    void theFastPathKnowsExactlyTheFlagsOfRun() {
        Set<String> picocli = CLI.getSubcommands().get("run").getCommandSpec().options().stream()
                .filter(option -> option.arity().max() == 0 && !option.usageHelp() && !option.versionHelp())
                .map(OptionSpec::longestName).collect(Collectors.toSet());
        assertThat(FastArgs.RUN_FLAGS).isEqualTo(picocli);
    }

    @Test
    void theFastPathKnowsExactlyTheValuedOptionsOfSubmit() {
        Set<String> picocli = CLI.getSubcommands().get("submit").getCommandSpec().options().stream()
                .filter(option -> option.arity().max() > 0).map(OptionSpec::longestName).collect(Collectors.toSet());
        assertThat(FastArgs.SUBMIT_VALUED).isEqualTo(picocli);
    }

    @Test
    void bothPathsParseASubmitCommandLineAlike() {
        String[] args = {"--socket", "/run/s.sock", "--events-out=/tmp/e.jsonl", "--egress-mode", "audit", "cell.json"};
        SubmitCommand fast = FastArgs.submit(args).orElseThrow();
        SubmitCommand slow = new SubmitCommand();
        new CommandLine(slow).parseArgs(args);
        assertThat(new Object[] {fast.socket, fast.eventsOut, fast.source, fast.egressMode})
                .containsExactly(slow.socket, slow.eventsOut, slow.source, slow.egressMode);
        assertThat(fast.egressMode).isEqualTo("audit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "--socket=/b", "other.json", "--bogus"})
    void aSubmitLineTheFastPathDoesNotFullyUnderstandGoesToPicocli(String odd) {
        assertThat(FastArgs.submit(new String[] {"--socket", "/a", "a.json", odd})).isEmpty();
        assertThat(FastArgs.submit(new String[] {"a.json"})).as("no --socket").isEmpty();
    }

    @Test
    void helpIsACommandNotADocumentName() {
        // before it was known, "cell-runner help" tried to read a document named "help" and exited 64
        assertThat(Main.execute("help", "verify")).isZero();
    }

    @Test
    void theSubcommandNamesAreKnownWithoutPicocli() {
        assertThat(Main.SUBCOMMANDS).isEqualTo(CLI.getSubcommands().keySet());
    }

    @Test
    void bothPathsParseACommonCommandLineAlike() {
        String[] args = {"--events", "jsonl:/tmp/a.jsonl", "--events=none", "--signing-key", "/k.pem",
                "--events-mode=batch", "--spool-dir", "/s", "--events-ca", "/ca.pem", "--events-timeout-ms", "7",
                "--events-grace-ms=8", "--nats-creds", "/n.creds", "--nats-ca", "/n.pem", "--kafka-config=/k.properties",
                "--parallel", "3", "--allow-host-egress", "--default-pids-max", "none", "--default-memory-max=2G",
                "--default-temp-max", "64M", "--allow-root-cells", "--uid-range", "200000-200099", "--egress-mode", "audit",
                "--deny-egress-audit", "a.json", "-", "--",
                "--odd-name.json"};
        RunCommand fast = FastArgs.run(args).orElseThrow();
        RunCommand slow = new RunCommand();
        new CommandLine(slow).parseArgs(args);
        assertThat(fast.sources).isEqualTo(slow.sources).containsExactly("a.json", "-", "--odd-name.json");
        assertThat(fast.parallel).isEqualTo(slow.parallel).isEqualTo(3);
        assertThat(fast.runner.events).isEqualTo(slow.runner.events);
        assertThat(fast.runner.signingKey).isEqualTo(slow.runner.signingKey);
        assertThat(fast.runner.policy.policy(Map.of())).isEqualTo(slow.runner.policy.policy(Map.of()))
                .isEqualTo(new RunnerPolicy(true, true, new UidRange(200000, 200099),
                        new DefaultLimits(null, 2L << 30, 64L << 20),
                        new dev.cellrunner.runner.cell.EgressModeChoice(dev.cellrunner.spec.EgressMode.AUDIT, true)));
        HttpEventOptions f = fast.runner.http;
        HttpEventOptions s = slow.runner.http;
        assertThat(new Object[] {f.mode, f.spoolDir, f.trustedCertificates, f.requestTimeoutMs, f.graceMs})
                .containsExactly(s.mode, s.spoolDir, s.trustedCertificates, s.requestTimeoutMs, s.graceMs);
        assertThat(new Object[] {fast.runner.brokers.natsCredentials, fast.runner.brokers.natsCa, fast.runner.brokers.kafkaConfig})
                .containsExactly(slow.runner.brokers.natsCredentials, slow.runner.brokers.natsCa, slow.runner.brokers.kafkaConfig)
                .doesNotContainNull();
    }

    @Test
    void defaultsAreTheSameOnBothPaths() {
        RunCommand fast = FastArgs.run(new String[] {"a.json"}).orElseThrow();
        RunCommand slow = new RunCommand();
        new CommandLine(slow).parseArgs("a.json");
        assertThat(fast.parallel).isEqualTo(slow.parallel);
        assertThat(fast.runner.policy.policy(Map.of())).isEqualTo(slow.runner.policy.policy(Map.of()))
                .isEqualTo(RunnerPolicy.DEFAULT);
        assertThat(fast.runner.policy.policy(Map.of(UidRange.VARIABLE, "70000-70009")).uidRange())
                .isEqualTo(new UidRange(70000, 70009));
        assertThat(new Object[] {fast.runner.http.mode, fast.runner.http.requestTimeoutMs, fast.runner.http.graceMs})
                .containsExactly(slow.runner.http.mode, slow.runner.http.requestTimeoutMs, slow.runner.http.graceMs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "-V", "--bogus", "--parallel=x", "--events", "@args.txt", "--events-timeout-ms=1e3"})
    void whatTheFastPathDoesNotFullyUnderstandGoesToPicocli(String odd) {
        assertThat(FastArgs.run(new String[] {"a.json", odd})).isEmpty();
    }

    @Test
    void noDocumentGoesToPicocliForItsMessage() {
        assertThat(FastArgs.run(new String[] {"--events", "none"})).isEmpty();
    }
}
