package dev.cellrunner.runner.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The common {@code run} and {@code submit} command lines, parsed without picocli. Building picocli's
 * model reflects over every subcommand and loads classes the AppCDS archive cannot hold (they are Java 5
 * class files), which costs about 80 ms of a start. Anything these parsers do not fully understand (help,
 * an unknown or malformed option) goes to picocli, which parses it as before and words the error.
 * FastArgsTest keeps the option sets equal to picocli's.
 */
final class FastArgs {
    /** Options of run that take a value, as {@code --name VALUE} or {@code --name=VALUE}. */
    static final Set<String> RUN_VALUED = Set.of(RunnerOptions.EVENTS, RunnerOptions.SIGNING_KEY, RunnerOptions.DNS_UPSTREAM,
            HttpEventOptions.MODE, HttpEventOptions.SPOOL_DIR, HttpEventOptions.CA, HttpEventOptions.TIMEOUT_MS,
            HttpEventOptions.GRACE_MS, HttpEventOptions.FORMAT, BrokerOptions.NATS_CREDS, BrokerOptions.NATS_CA,
            BrokerOptions.KAFKA_CONFIG, RunCommand.PARALLEL, RunCommand.ATTEST, PolicyOptions.DEFAULT_PIDS_MAX,
            PolicyOptions.DEFAULT_MEMORY_MAX, PolicyOptions.DEFAULT_TEMP_MAX, PolicyOptions.UID_RANGE,
            PolicyOptions.EGRESS_MODE);
    /** Options of run that take no value. */
    static final Set<String> RUN_FLAGS = Set.of(PolicyOptions.ALLOW_HOST_EGRESS, PolicyOptions.ALLOW_ROOT_CELLS,
            PolicyOptions.DENY_EGRESS_AUDIT);
    static final Set<String> SUBMIT_VALUED = Set.of(SubmitCommand.SOCKET, SubmitCommand.EVENTS_OUT,
            SubmitCommand.EGRESS_MODE);

    private FastArgs() {
    }

    /** {@code args} after the subcommand name; empty when picocli must handle them. */
    static Optional<RunCommand> run(String[] args) {
        Optional<Parsed> parsed = split(args, RUN_VALUED, RUN_FLAGS);
        if (parsed.isEmpty() || parsed.get().positionals.isEmpty()) {
            return Optional.empty();
        }
        RunCommand run = new RunCommand();
        run.sources.addAll(parsed.get().positionals);
        RunnerOptions runner = run.runner;
        try {
            for (Map.Entry<String, List<String>> option : parsed.get().options.entrySet()) {
                for (String value : option.getValue()) {
                    switch (option.getKey()) {
                        case RunnerOptions.EVENTS -> runner.events.add(value);
                        case RunnerOptions.SIGNING_KEY -> runner.signingKey = Path.of(value);
                        case RunnerOptions.DNS_UPSTREAM -> runner.dnsUpstream = value;
                        case HttpEventOptions.MODE -> runner.http.mode = value;
                        case HttpEventOptions.SPOOL_DIR -> runner.http.spoolDir = Path.of(value);
                        case HttpEventOptions.CA -> runner.http.trustedCertificates = Path.of(value);
                        case HttpEventOptions.TIMEOUT_MS -> runner.http.requestTimeoutMs = Long.parseLong(value);
                        case HttpEventOptions.GRACE_MS -> runner.http.graceMs = Long.parseLong(value);
                        case HttpEventOptions.FORMAT -> runner.http.format = value;
                        case BrokerOptions.NATS_CREDS -> runner.brokers.natsCredentials = Path.of(value);
                        case BrokerOptions.NATS_CA -> runner.brokers.natsCa = Path.of(value);
                        case BrokerOptions.KAFKA_CONFIG -> runner.brokers.kafkaConfig = Path.of(value);
                        case RunCommand.PARALLEL -> run.parallel = Integer.parseInt(value);
                        case RunCommand.ATTEST -> run.attest = Path.of(value);
                        case PolicyOptions.ALLOW_HOST_EGRESS -> runner.policy.allowHostEgress = true;
                        case PolicyOptions.DEFAULT_PIDS_MAX -> runner.policy.defaultPidsMax = value;
                        case PolicyOptions.DEFAULT_MEMORY_MAX -> runner.policy.defaultMemoryMax = value;
                        case PolicyOptions.DEFAULT_TEMP_MAX -> runner.policy.defaultTempMax = value;
                        case PolicyOptions.ALLOW_ROOT_CELLS -> runner.policy.allowRootCells = true;
                        case PolicyOptions.UID_RANGE -> runner.policy.uidRange = value;
                        case PolicyOptions.EGRESS_MODE -> runner.policy.egressMode = value;
                        case PolicyOptions.DENY_EGRESS_AUDIT -> runner.policy.denyEgressAudit = true;
                        default -> throw new IllegalStateException("unhandled option " + option.getKey());
                    }
                }
            }
        } catch (NumberFormatException | InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.of(run);
    }

    /** {@code args} after {@code submit}; empty when picocli must handle them. */
    static Optional<SubmitCommand> submit(String[] args) {
        Optional<Parsed> parsed = split(args, SUBMIT_VALUED, Set.of());
        if (parsed.isEmpty() || parsed.get().positionals.size() != 1) {
            return Optional.empty();
        }
        Map<String, List<String>> options = parsed.get().options;
        List<String> socket = options.getOrDefault(SubmitCommand.SOCKET, List.of());
        List<String> eventsOut = options.getOrDefault(SubmitCommand.EVENTS_OUT, List.of());
        List<String> egressMode = options.getOrDefault(SubmitCommand.EGRESS_MODE, List.of());
        if (socket.size() != 1 || eventsOut.size() > 1 || egressMode.size() > 1) {
            return Optional.empty();
        }
        SubmitCommand submit = new SubmitCommand();
        try {
            submit.socket = Path.of(socket.get(0));
            submit.eventsOut = eventsOut.isEmpty() ? null : Path.of(eventsOut.get(0));
            submit.egressMode = egressMode.isEmpty() ? null : egressMode.get(0);
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        submit.source = parsed.get().positionals.get(0);
        return Optional.of(submit);
    }

    private record Parsed(Map<String, List<String>> options, List<String> positionals) {
    }

    /** Options (each known to take a value, or to be a flag) and positional arguments; empty at anything else. */
    private static Optional<Parsed> split(String[] args, Set<String> valued, Set<String> flags) {
        Map<String, List<String>> options = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("@")) {
                return Optional.empty(); // picocli reads @FILE as an argument file
            }
            if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            if (flags.contains(arg)) {
                options.computeIfAbsent(arg, n -> new ArrayList<>()).add("true");
                continue;
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            if (!valued.contains(name) || (equals < 0 && i + 1 >= args.length)) {
                return Optional.empty();
            }
            options.computeIfAbsent(name, n -> new ArrayList<>()).add(equals < 0 ? args[++i] : arg.substring(equals + 1));
        }
        return Optional.of(new Parsed(options, positionals));
    }
}
