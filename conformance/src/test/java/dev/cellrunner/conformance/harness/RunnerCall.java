package dev.cellrunner.conformance.harness;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One invocation of the runner under test: arguments, standard input, extra environment, an optional
 * wrapper command (e.g. setpriv to drop privileges), and the hard time limit after which the call
 * counts as hung and its process tree is killed.
 */
public final class RunnerCall {
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(60);

    final List<String> arguments = new ArrayList<>();
    final List<String> wrapper = new ArrayList<>();
    final Map<String, String> environment = new LinkedHashMap<>();
    byte[] stdin;
    boolean discardStdout;
    Duration limit = DEFAULT_LIMIT;
    boolean collectEvents;

    private RunnerCall(List<String> arguments) {
        this.arguments.addAll(arguments);
    }

    /** {@code run --events jsonl:EVENTS SPEC}, EVENTS being a fresh file the harness reads afterwards. */
    public static RunnerCall run(Path spec) {
        return new RunnerCall(List.of("run", spec.toString())).withEvents();
    }

    /** {@code run --events jsonl:EVENTS -} with the document on standard input. */
    public static RunnerCall runFromStdin(String document) {
        return new RunnerCall(List.of("run", "-")).stdin(document).withEvents();
    }

    /** Any arguments, exactly as given; no events option is added. */
    public static RunnerCall of(String... arguments) {
        return new RunnerCall(List.of(arguments));
    }

    /** Adds {@code --signing-key FILE} after the subcommand: the run signs its trail with that key. */
    public RunnerCall signedWith(Path privateKey) {
        arguments.addAll(1, List.of("--signing-key", privateKey.toString()));
        return this;
    }

    /** Adds runner options right after the subcommand, e.g. {@code --allow-root-cells}. */
    public RunnerCall options(String... options) {
        arguments.addAll(1, List.of(options));
        return this;
    }

    public RunnerCall stdin(String text) {
        this.stdin = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public RunnerCall env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public RunnerCall wrappedBy(String... command) {
        wrapper.addAll(List.of(command));
        return this;
    }

    /** Sends the runner's standard output to /dev/null (for output too large to keep). */
    public RunnerCall discardStdout() {
        this.discardStdout = true;
        return this;
    }

    public RunnerCall limit(Duration limit) {
        this.limit = limit;
        return this;
    }

    /** Marks the call as one whose events the harness collects from a JSONL file of its choosing. */
    private RunnerCall withEvents() {
        this.collectEvents = true;
        return this;
    }

    /** The runner's arguments with the events option placed right after the subcommand. */
    List<String> argumentsWithEvents(Path eventsFile) {
        List<String> all = new ArrayList<>(arguments);
        if (eventsFile != null) {
            all.add(1, "--events");
            all.add(2, "jsonl:" + eventsFile);
        }
        return all;
    }
}
