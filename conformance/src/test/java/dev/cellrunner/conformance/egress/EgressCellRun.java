package dev.cellrunner.conformance.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.cellrunner.conformance.egress.EgressTestNet.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One cell run through bin/cell-runner inside the test network's host namespace: the document, the
 * probes its command makes (bash /dev/tcp and /dev/udp: connect, send "ping", expect it echoed), and
 * what came back (exit status, probe results, events).
 */
final class EgressCellRun {
    private static final AtomicInteger RUNS = new AtomicInteger();
    /** One read of up to 5 bytes: bash's read would take a datagram one byte at a time and lose the rest. */
    private static final String PROBE_FUNCTION = """
            probe() {
              got=$(timeout 4 bash -c "exec 3<>/dev/$1/$2/$3 && echo ping >&3 && timeout 2 head -c 5 <&3" 2>/dev/null)
              if [ "$got" = ping ]; then echo "PROBE $1 $2 $3 ok"; else echo "PROBE $1 $2 $3 fail"; fi
            }
            """;

    record Outcome(int exitCode, String stdout, String stderr, List<JsonNode> events, Path trail) {
        Outcome(int exitCode, String stdout, String stderr, List<JsonNode> events) {
            this(exitCode, stdout, stderr, events, null);
        }

        /** The JSONL trail the run wrote. */
        String eventsFile() {
            return trail.toString();
        }

        /** "tcp 198.51.100.10 7000" -> "ok" | "fail" */
        Map<String, String> probes() {
            Map<String, String> probes = new LinkedHashMap<>();
            stdout.lines().filter(l -> l.startsWith("PROBE ")).forEach(l -> {
                String[] parts = l.split(" ");
                probes.put(parts[1] + " " + parts[2] + " " + parts[3], parts[4]);
            });
            return probes;
        }

        JsonNode data(String typeSuffix) {
            return events.stream().filter(e -> e.path("type").asText().endsWith(typeSuffix)).findFirst()
                    .map(e -> e.path("data"))
                    .orElseThrow(() -> new AssertionError("no " + typeSuffix + " event in " + events + "\nstderr: " + stderr));
        }

        /** The host end of the cell's uplink as network_policy reports it, or "" when there is none. */
        String hostInterface() {
            return data("network_policy").path("enforcement").path("uplink").path("hostInterface").asText("");
        }

        /** The veth and nft table names the runner reported, to check the real host never saw them. */
        List<String> runnerNames() {
            List<String> names = new ArrayList<>();
            events.stream().filter(e -> e.path("type").asText().endsWith("network_policy")).forEach(e -> {
                JsonNode enforcement = e.path("data").path("enforcement");
                if (enforcement.hasNonNull("nftTable")) {
                    names.add(enforcement.path("nftTable").asText());
                }
                if (enforcement.path("uplink").hasNonNull("hostInterface")) {
                    names.add(enforcement.path("uplink").path("hostInterface").asText());
                }
            });
            return names;
        }
    }

    private final EgressTestNet net;
    private final ArrayNode rules = JSON.createArrayNode();
    private final StringBuilder script = new StringBuilder(PROBE_FUNCTION);
    private final List<String> probes = new ArrayList<>();
    private String hostsFile = "";
    private Long timeoutMs;
    private Path writable;
    private Path signingKey;
    private final ObjectNode limits = JSON.createObjectNode();
    private final List<String> runnerOptions = new ArrayList<>();
    private final Map<String, String> runnerEnv = new LinkedHashMap<>();
    private String resolvConf;
    private String egressMode;
    private String documentText;

    EgressCellRun(EgressTestNet net) {
        this.net = net;
    }

    EgressCellRun allow(String host, int port, String protocol) {
        rules.addObject().put("host", host).put("port", port).put("protocol", protocol);
        return this;
    }

    /** Adds a probe; probes run concurrently after the commands added with {@link #then}. */
    EgressCellRun probe(String protocol, String host, int port) {
        probes.add("probe " + protocol + " " + host + " " + port + " &");
        return this;
    }

    EgressCellRun then(String shell) {
        script.append(shell).append('\n');
        return this;
    }

    EgressCellRun hosts(String content) {
        hostsFile = content;
        return this;
    }

    /** The whole host readable, {@code dir} writable: for cells that leave files for the case. */
    EgressCellRun writable(Path dir) {
        writable = dir;
        return this;
    }

    EgressCellRun limit(String name, long value) {
        limits.put(name, value);
        return this;
    }

    /** Runs with {@code --signing-key FILE}. */
    EgressCellRun signedWith(Path privateKey) {
        signingKey = privateKey;
        return this;
    }

    /** Options for the runner itself, e.g. {@code --dns-upstream ADDR} or {@code --allow-host-egress}. */
    EgressCellRun runnerOptions(String... options) {
        runnerOptions.addAll(List.of(options));
        return this;
    }

    /** A variable of the runner's environment. */
    EgressCellRun runnerEnv(String name, String value) {
        runnerEnv.put(name, value);
        return this;
    }

    /**
     * Runs the runner in a mount namespace of its own where /etc/resolv.conf says {@code content}, so
     * that neither the runner nor the cell depend on the host's resolver configuration.
     */
    EgressCellRun resolvConf(String content) {
        resolvConf = content;
        return this;
    }

    /** {@code authority.egressMode} of the document ("audit", "enforce"). */
    EgressCellRun egressMode(String mode) {
        egressMode = mode;
        return this;
    }

    /** Runs exactly this document instead of the one the other methods build. */
    EgressCellRun document(String json) {
        documentText = json;
        return this;
    }

    EgressCellRun timeoutMs(long millis) {
        timeoutMs = millis;
        return this;
    }

    String document() {
        ObjectNode doc = JSON.createObjectNode().put("apiVersion", "cellos.io/v1").put("kind", "ExecutionCell");
        ObjectNode spec = doc.putObject("spec").put("id", "egress-" + RUNS.incrementAndGet());
        spec.putObject("lifetime").put("ttlSeconds", 60);
        ObjectNode authority = spec.putObject("authority");
        authority.set("egressRules", rules);
        if (egressMode != null) {
            authority.put("egressMode", egressMode);
        }
        if (writable != null) {
            ObjectNode filesystem = authority.putObject("filesystem");
            filesystem.putArray("readOnly").add("/");
            filesystem.putArray("readWrite").add(writable.toString());
        }
        ObjectNode run = spec.putObject("run");
        String command = script + String.join("\n", probes) + "\nwait\n";
        run.putArray("argv").add("/bin/bash").add("-c").add(command);
        if (timeoutMs != null) {
            run.put("timeoutMs", timeoutMs);
        }
        if (!limits.isEmpty()) {
            run.set("limits", limits);
        }
        return doc.toString();
    }

    /** What to run, with which environment, and where the events go. */
    record Invocation(List<String> command, Map<String, String> environment, Path events) {
    }

    Invocation prepare() throws IOException {
        int n = RUNS.incrementAndGet();
        Path spec = Files.writeString(net.work.resolve("spec-" + n + ".json"),
                documentText != null ? documentText : document());
        Path hosts = Files.writeString(net.work.resolve("hosts-" + n), hostsFile);
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + net.hostNs));
        if (resolvConf != null) {
            Path file = Files.writeString(net.work.resolve("resolv-" + n + ".conf"), resolvConf);
            command.addAll(List.of("unshare", "--mount", "--", "sh", "-c",
                    "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", file.toString()));
        }
        command.addAll(List.of(net.runner.toString(), "run", "--events",
                "jsonl:" + net.work.resolve("events-" + n + ".jsonl")));
        if (signingKey != null) {
            command.addAll(List.of("--signing-key", signingKey.toString()));
        }
        command.addAll(runnerOptions);
        command.add(spec.toString());
        Map<String, String> environment = new LinkedHashMap<>(runnerEnv);
        environment.put("CELL_RUNNER_JAVA_OPTS", "-Djdk.net.hosts.file=" + hosts);
        return new Invocation(command, environment, net.work.resolve("events-" + n + ".jsonl"));
    }

    /** A runner that was started and not yet waited for. */
    record Started(Process process, Path events, Path out, Path err) {
        /** Waits (at most 60 s) until the trail holds an event whose type ends with {@code typeSuffix}. */
        void awaitEvent(String typeSuffix) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + 60_000_000_000L;
            // plain text search: a line being appended right now is not parsed half-written
            while (!Files.exists(events) || !Files.readString(events).contains(typeSuffix + "\"")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("no " + typeSuffix + " event while the runner ran; stderr:\n"
                            + Files.readString(err));
                }
                Thread.sleep(50);
            }
        }

        Outcome await() throws IOException, InterruptedException {
            if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("cell-runner did not finish in 120 s");
            }
            return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err), readEvents(events), events);
        }
    }

    /** Starts the runner without waiting (for concurrent cells and kill -9). */
    Started start() throws IOException {
        Invocation invocation = prepare();
        Path out = Files.createTempFile(net.work, "out", ".txt");
        Path err = Files.createTempFile(net.work, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(invocation.command()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(invocation.environment());
        return new Started(builder.start(), invocation.events(), out, err);
    }

    Outcome run() throws IOException, InterruptedException {
        return start().await();
    }

    static List<JsonNode> readEvents(Path events) throws IOException {
        List<JsonNode> parsed = new ArrayList<>();
        if (Files.exists(events)) {
            for (String line : Files.readAllLines(events)) {
                parsed.add(JSON.readTree(line));
            }
        }
        return parsed;
    }

    static void assertProbes(Outcome outcome, Map<String, String> expected) {
        assertThat(outcome.probes()).as("probes from inside the cell; stderr:\n%s", outcome.stderr())
                .containsAllEntriesOf(expected);
    }
}
