package dev.cellrunner.runner.work;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.broker.BrokerSink;
import dev.cellrunner.events.nats.NatsAccess;
import dev.cellrunner.events.nats.NatsAddress;
import dev.cellrunner.events.nats.NatsPublisher;
import dev.cellrunner.events.nats.NatsTrailReader;
import dev.cellrunner.events.testing.NatsTestServer;
import dev.cellrunner.runner.testing.CliFixtures;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.RetentionPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cell-runner worker} and {@code enqueue} against a real nats-server: documents taken from a
 * work-queue stream, run as {@code run} runs them, their events in a JetStream stream that is read back
 * and verified. Each test makes streams of its own (the operator's part).
 */
class WorkerIT {
    private static NatsTestServer nats;
    private Cli cli;
    private String work;
    private String events;
    private String dead;
    private Path key;
    private Path publicKey;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void server() throws Exception {
        nats = NatsTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (nats != null) {
            nats.close();
        }
    }

    @BeforeEach
    void streams() throws Exception {
        cli = new Cli();
        String id = UUID.randomUUID().toString().substring(0, 8);
        work = "WORK_" + id;
        events = "events." + id;
        dead = "dead." + id;
        nats.createStream(work, RetentionPolicy.WorkQueue, "work." + id);
        nats.createStream("EVENTS_" + id, RetentionPolicy.Limits, events);
        nats.createStream("DEAD_" + id, RetentionPolicy.Limits, dead);
        Cli.Result keygen = cli.run("keygen", "keygen", "--out", cli.scratch.resolve("keys").toString());
        assertThat(keygen.status()).as(keygen.toString()).isZero();
        key = cli.scratch.resolve("keys").resolve(KeyFiles.PRIVATE_NAME);
        publicKey = cli.scratch.resolve("keys").resolve(KeyFiles.PUBLIC_NAME);
    }

    @AfterEach
    void clean() throws Exception {
        for (Process process : started) {
            process.destroyForcibly().waitFor();
        }
        cli.run("gc", "gc");
        cli.close();
    }

    private String workSubject() {
        return "work." + work.substring("WORK_".length());
    }

    /** A worker with a state directory (a "host") of its own. */
    private Process worker(String name, int parallel, long ackWaitMs, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("worker", "--from", nats.url(work), "--parallel",
                Integer.toString(parallel), "--ack-wait-ms", Long.toString(ackWaitMs), "--events", nats.url(events),
                "--dead-letter", dead, "--signing-key", key.toString(), "--retry-delay-ms", "1000"));
        args.addAll(List.of(more));
        Process process = cli.start(name, Map.of("XDG_STATE_HOME", cli.scratch.resolve("host-" + name).toString()),
                args.toArray(String[]::new));
        started.add(process);
        return process;
    }

    private List<Path> documents(int count, String... argv) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(cli.document(argv));
        }
        return files;
    }

    private void enqueue(List<Path> files) throws Exception {
        List<String> args = new ArrayList<>(List.of("enqueue", "--to", nats.url(workSubject())));
        files.forEach(f -> args.add(f.toString()));
        Cli.Result result = cli.run("enqueue", args.toArray(String[]::new));
        assertThat(result.status()).as(result.toString()).isZero();
        assertThat(result.stdout().lines()).hasSize(files.size()).allMatch(l -> l.contains(": " + work + "#"));
    }

    private ConsumerInfo consumer() throws Exception {
        try (Connection connection = nats.connect()) {
            return connection.jetStreamManagement().getConsumerInfo(work, "cell-runner");
        }
    }

    /** Until the workers' consumer exists and nothing is pending or unacknowledged on it. */
    private void awaitDrained(Duration limit) throws Exception {
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            try (Connection connection = nats.connect()) {
                JetStreamManagement management = connection.jetStreamManagement();
                if (management.getConsumerNames(work).contains("cell-runner")) {
                    ConsumerInfo info = management.getConsumerInfo(work, "cell-runner");
                    if (info.getNumPending() == 0 && info.getNumAckPending() == 0) {
                        return;
                    }
                }
            }
            Thread.sleep(300);
        }
        throw new AssertionError("the queue did not drain: " + consumer());
    }

    private Cli.Result stop(String name, Process process) throws Exception {
        process.destroy(); // SIGTERM
        return cli.await(name, process, 120);
    }

    /** Every event in the events stream, as the JSONL lines a file would hold. */
    private List<JsonNode> trail() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        NatsTrailReader.read(NatsAddress.subject(nats.url(events)), NatsAccess.defaults(),
                line -> lines.add(CliFixtures.JSON.readTree(line)));
        return lines;
    }

    /** Runs that reached destroyed, by cell id. */
    private static Map<String, List<String>> destroyedRunsByCell(List<JsonNode> trail) {
        return trail.stream().filter(e -> e.path("type").asText().equals(EventTypes.DESTROYED))
                .collect(Collectors.groupingBy(e -> e.path("data").path("cellId").asText(),
                        Collectors.mapping(e -> e.path("data").path("runId").asText(), Collectors.toList())));
    }

    /** How many lines name each work item's sequence (the pattern's first group). */
    private static Map<Long, Long> itemsSaid(List<String> lines, Pattern pattern) {
        return lines.stream().map(pattern::matcher).filter(Matcher::matches)
                .collect(Collectors.groupingBy(m -> Long.parseLong(m.group(1)), Collectors.counting()));
    }

    private static Set<String> cellIds(List<Path> files) throws Exception {
        Set<String> ids = new HashSet<>();
        for (Path file : files) {
            ids.add(CliFixtures.JSON.readTree(file.toFile()).path("spec").path("id").asText());
        }
        return ids;
    }

    @Test
    void twoWorkersOnTwoHostsDrain200DocumentsEachRunsOnceAndEveryChainVerifiesFromTheStream() throws Exception {
        List<Path> files = documents(200, "/usr/bin/true");
        enqueue(files);
        Process a = worker("a", 2, 30_000);
        Process b = worker("b", 2, 30_000);
        awaitDrained(Duration.ofMinutes(8));
        Cli.Result stoppedA = stop("a", a);
        Cli.Result stoppedB = stop("b", b);
        assertThat(stoppedA.status()).as(stoppedA.toString()).isZero();
        assertThat(stoppedB.status()).as(stoppedB.toString()).isZero();
        // The trail is the record of what ran; a worker's lines are not counted: a document whose ack the
        // server did not confirm in time (a loaded host) comes back and is acknowledged without running
        // again, and then its one run's "exit 0" may be on either host, or said with the ack's trouble.
        List<String> lines = new ArrayList<>(stoppedA.stderr().lines().toList());
        lines.addAll(stoppedB.stderr().lines().toList());
        Pattern ran = Pattern.compile(".*" + Pattern.quote(work) + "#(\\d+): exit 0(;.*)?");
        Pattern acknowledgedAgain = Pattern.compile(".*" + Pattern.quote(work) + "#(\\d+): already ran .*acknowledged without running again");
        assertThat(stoppedA.stderr().lines().filter(l -> ran.matcher(l).matches()).count()).as("both hosts took work").isPositive();
        assertThat(stoppedB.stderr().lines().filter(l -> ran.matcher(l).matches()).count()).as("both hosts took work").isPositive();
        Map<Long, Long> runsSaid = itemsSaid(lines, ran);
        Map<Long, Long> acknowledgedWithoutRunning = itemsSaid(lines, acknowledgedAgain);
        System.out.println("documents acknowledged again without running: " + acknowledgedWithoutRunning.keySet());

        List<JsonNode> trail = trail();
        Map<String, List<String>> runs = destroyedRunsByCell(trail);
        assertThat(runs.keySet()).isEqualTo(cellIds(files));
        assertThat(runs.values()).allSatisfy(r -> assertThat(r).as("each document ran exactly once").hasSize(1));
        assertThat(trail.stream().filter(e -> e.path("type").asText().equals(EventTypes.DESTROYED)))
                .allSatisfy(e -> assertThat(e.path("data").path("outcome").asText()).isEqualTo("succeeded"));
        assertThat(runsSaid.values()).as("no worker ran a document twice").allSatisfy(n -> assertThat(n).isEqualTo(1L));
        Set<Long> accounted = new HashSet<>(runsSaid.keySet());
        accounted.addAll(acknowledgedWithoutRunning.keySet());
        assertThat(accounted).as("every document's end is said by a worker").hasSize(200);
        Set<Long> sequences = trail.stream().map(e -> e.path("data").path("workItem").path("sequence").asLong())
                .collect(Collectors.toSet());
        assertThat(sequences).hasSize(200);
        assertThat(trail).allSatisfy(e -> assertThat(e.path("data").path("workItem").path("stream").asText()).isEqualTo(work));

        Cli.Result verified = cli.run("verify", "verify", "--key", publicKey.toString(), nats.url(events));
        assertThat(verified.status()).as(verified.toString()).isZero();
        assertThat(verified.stdout().lines().filter(l -> l.contains(": ok, 6 events, chain intact")).count()).isEqualTo(200);
    }

    @Test
    void aWorkerKilledMidwayLeavesEveryDocumentCompletedExactlyOnce() throws Exception {
        List<Path> files = documents(200, "/usr/bin/true");
        enqueue(files);
        Process a = worker("a", 2, 3_000);
        Process b = worker("b", 2, 3_000);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (Instant.now().isBefore(deadline) && streamMessages() > 130) {
            Thread.sleep(100);
        }
        a.destroyForcibly().waitFor(); // SIGKILL, mid-run
        awaitDrained(Duration.ofMinutes(8));
        Cli.Result stoppedB = stop("b", b);
        assertThat(stoppedB.status()).as(stoppedB.toString()).isZero();
        System.out.println("documents the killed worker held, run again by the other: "
                + stoppedB.stderr().lines().filter(l -> l.contains("no run of it reached destroyed")).count()
                + "; acknowledged without running again: "
                + stoppedB.stderr().lines().filter(l -> l.contains("acknowledged without running again")).count());

        List<JsonNode> trail = trail();
        Map<String, List<String>> runs = destroyedRunsByCell(trail);
        assertThat(runs.keySet()).as("every document reached destroyed").isEqualTo(cellIds(files));
        assertThat(runs.values()).allSatisfy(r -> assertThat(r).as("each document completed exactly once").hasSize(1));
        Cli.Result verified = cli.run("verify", "verify", "--key", publicKey.toString(), nats.url(events));
        assertThat(verified.stdout()).doesNotContain("BAD");
        assertThat(verified.status()).as("ok, or incomplete for the runs the kill cut short: " + verified)
                .isIn(0, 2);
        assertThat(verified.stdout().lines().filter(l -> l.contains(": ok, 6 events, chain intact")).count()).isEqualTo(200);
    }

    private long streamMessages() throws Exception {
        try (Connection connection = nats.connect()) {
            return connection.jetStreamManagement().getStreamInfo(work).getStreamState().getMsgCount();
        }
    }

    /** The test plays a worker that ran a document to its end (or not) and died before acknowledging it. */
    private long takeWithoutAcking(Path document) throws Exception {
        enqueue(List.of(document));
        try (Connection connection = nats.connect()) {
            JetStreamManagement management = connection.jetStreamManagement();
            management.addOrUpdateConsumer(work, ConsumerConfiguration.builder().durable("cell-runner")
                    .ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofSeconds(2)).build());
            ConsumerContext consumer = connection.getConsumerContext(work, "cell-runner");
            Message message = consumer.next(Duration.ofSeconds(5));
            assertThat(message).isNotNull();
            return message.metaData().streamSequence();
        }
    }

    /** A run of the document's work item, signed with the workers' key: complete, or cut short after started. */
    private void publishRunOf(Path document, long sequence, boolean complete) throws Exception {
        String cellId = CliFixtures.JSON.readTree(document.toFile()).path("spec").path("id").asText();
        ObjectNode item = CliFixtures.JSON.createObjectNode();
        item.put("stream", work).put("sequence", sequence).put("delivery", 1).put("consumer", "cell-runner");
        RunIdentity run = new RunIdentity("died-host", cellId, UUID.randomUUID().toString(), null, item);
        SigningKey signing = new SigningKey(KeyFiles.readPrivate(key), false, null);
        BrokerSink sink = new BrokerSink(new NatsPublisher(NatsAddress.subject(nats.url(events)), NatsAccess.defaults(),
                false), cli.scratch.resolve("test-spool"), Duration.ofSeconds(10), message -> { });
        try (EventTrail trail = new EventTrail(new CellEventFactory(run, Clock.systemUTC()), new ChainSigner(signing),
                List.of(sink), message -> { })) {
            ObjectNode started = CliFixtures.JSON.createObjectNode();
            started.put("signingKeyId", signing.keyId());
            trail.emit(EventTypes.STARTED, started);
            if (complete) {
                for (String type : List.of(EventTypes.NETWORK_POLICY, EventTypes.CONFINEMENT,
                        EventTypes.NETWORK_ENFORCEMENT, EventTypes.COMMAND_COMPLETED)) {
                    trail.emit(type, CliFixtures.JSON.createObjectNode());
                }
                ObjectNode destroyed = CliFixtures.JSON.createObjectNode();
                destroyed.put("outcome", "succeeded").put("terminalState", "clean");
                trail.emit(EventTypes.DESTROYED, destroyed);
            }
            trail.sync();
        }
    }

    @Test
    void aRedeliveredDocumentWhoseRunReachedDestroyedIsAcknowledgedWithoutRunningAgain() throws Exception {
        Path document = cli.document("/usr/bin/true");
        long sequence = takeWithoutAcking(document);
        publishRunOf(document, sequence, true);
        Thread.sleep(2500); // the ack wait passes: the document is redelivered
        Process a = worker("a", 1, 2_000);
        awaitDrained(Duration.ofMinutes(2));
        Cli.Result stopped = stop("a", a);
        assertThat(stopped.stderr()).contains(work + "#" + sequence + ": already ran (run ")
                .contains("acknowledged without running again").doesNotContain(": exit 0");
        assertThat(trail()).as("only the first run's events").hasSize(6);
    }

    @Test
    void aRedeliveredDocumentWhoseRunWasCutShortRunsAgain() throws Exception {
        Path document = cli.document("/usr/bin/true");
        long sequence = takeWithoutAcking(document);
        publishRunOf(document, sequence, false);
        Thread.sleep(2500);
        Process a = worker("a", 1, 2_000);
        awaitDrained(Duration.ofMinutes(2));
        Cli.Result stopped = stop("a", a);
        assertThat(stopped.stderr()).contains(work + "#" + sequence + ": delivery 2; no run of it reached destroyed")
                .contains(work + "#" + sequence + ": exit 0");
        List<JsonNode> trail = trail();
        assertThat(destroyedRunsByCell(trail).values()).singleElement().satisfies(r -> assertThat(r).hasSize(1));
        JsonNode second = trail.stream().filter(e -> e.path("type").asText().equals(EventTypes.DESTROYED)).findFirst().orElseThrow();
        assertThat(second.path("data").path("workItem").path("delivery").asLong()).isEqualTo(2);
        assertThat(second.path("data").path("workItem").path("sequence").asLong()).isEqualTo(sequence);
    }

    @Test
    void invalidAndRefusedDocumentsGoToTheDeadLettersWithTheReasonAndAreNotRedelivered() throws Exception {
        byte[] invalid = "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"x\"}}"
                .getBytes(StandardCharsets.UTF_8);
        ObjectNode refused = CliFixtures.cell("brokers-it-refused-", "/usr/bin/true");
        ((ObjectNode) refused.get("spec")).putObject("authority").putArray("secretRefs").add("NOT_SET_ON_THIS_HOST");
        try (Connection connection = nats.connect()) {
            connection.jetStream().publish(workSubject(), invalid); // a producer that skipped enqueue's check
            connection.jetStream().publish(workSubject(), CliFixtures.JSON.writeValueAsBytes(refused));
        }
        Process a = worker("a", 1, 2_000, "--idle-exit-ms", "4000");
        Cli.Result stopped = cli.await("a", a, 180); // no work for longer than the ack wait: it stops by itself
        assertThat(stopped.status()).as(stopped.toString()).isZero();
        assertThat(stopped.stderr()).contains("no work for 4000 ms: stopping")
                .contains(work + "#1: exit 65; to the dead letters")
                .contains(work + "#2: exit 69; to the dead letters").doesNotContain("delivery 2");
        Map<Long, MessageInfo> letters = new HashMap<>();
        try (Connection connection = nats.connect()) {
            JetStreamManagement management = connection.jetStreamManagement();
            String stream = "DEAD_" + work.substring("WORK_".length());
            assertThat(management.getStreamInfo(stream).getStreamState().getMsgCount()).isEqualTo(2);
            for (long seq = 1; seq <= 2; seq++) {
                MessageInfo letter = management.getMessage(stream, seq);
                letters.put(Long.parseLong(letter.getHeaders().getFirst(DeadLetters.SEQUENCE)), letter);
            }
            assertThat(management.getStreamInfo(work).getStreamState().getMsgCount()).as("not left in the queue").isZero();
        }
        MessageInfo invalidLetter = letters.get(1L);
        assertThat(invalidLetter.getHeaders().getFirst(DeadLetters.STATUS)).isEqualTo("65");
        assertThat(invalidLetter.getHeaders().getFirst(DeadLetters.REASON)).contains("invalid ExecutionCell document")
                .contains("/spec");
        assertThat(invalidLetter.getData()).isEqualTo(invalid);
        MessageInfo refusedLetter = letters.get(2L);
        assertThat(refusedLetter.getHeaders().getFirst(DeadLetters.STATUS)).isEqualTo("69");
        assertThat(refusedLetter.getHeaders().getFirst(DeadLetters.REASON)).contains("NOT_SET_ON_THIS_HOST");
        assertThat(destroyedRunsByCell(trail())).containsOnlyKeys(refused.path("spec").path("id").asText());
    }

    @Test
    void enqueueValidatesLocallyAndPublishesNothingWhenADocumentIsInvalid() throws Exception {
        Path good = cli.document("/usr/bin/true");
        Path bad = cli.scratch.resolve("bad.json");
        Files.writeString(bad, "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"b\"}}");
        Cli.Result result = cli.run("enqueue-bad", "enqueue", "--to", nats.url(workSubject()), good.toString(), bad.toString());
        assertThat(result.status()).as(result.toString()).isEqualTo(65);
        assertThat(result.stderr()).contains("invalid ExecutionCell document").contains("nothing was published");
        assertThat(streamMessages()).isZero();
    }

    @Test
    void sigtermStopsTakingWorkFinishesWhatItHoldsAndACellLongerThanTheAckWaitIsNotRedelivered() throws Exception {
        List<Path> files = documents(3, "/bin/sh", "-c", "sleep 4");
        enqueue(files);
        Process a = worker("a", 2, 1_500);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline) && trail().stream()
                .filter(e -> e.path("type").asText().equals(EventTypes.STARTED)).count() < 2) {
            Thread.sleep(100);
        }
        Cli.Result stopped = stop("a", a);
        assertThat(stopped.status()).as(stopped.toString()).isZero();
        assertThat(stopped.stderr()).contains("SIGTERM: taking no more work").contains("stopped: nothing left in hand");
        List<JsonNode> trail = trail();
        List<JsonNode> destroyed = trail.stream().filter(e -> e.path("type").asText().equals(EventTypes.DESTROYED)).toList();
        assertThat(destroyed).as("the two in hand finished").hasSize(2).allSatisfy(e -> {
            assertThat(e.path("data").path("outcome").asText()).isEqualTo("succeeded");
            assertThat(e.path("data").path("terminalState").asText()).isEqualTo("clean");
            assertThat(e.path("data").path("workItem").path("delivery").asLong()).as("never redelivered").isEqualTo(1);
        });
        assertThat(streamMessages()).as("the third stays queued").isEqualTo(1);
        assertThat(consumer().getNumAckPending()).isZero();
    }
}
