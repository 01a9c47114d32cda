package dev.cellrunner.runner.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.testing.CliFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cell-runner serve} and {@code submit} through the CLI, on the real kernel: a round trip whose
 * events verify, the two gates against other users (socket mode, peer credentials), a cell that tries
 * to submit a cell, hostile requests next to a running cell, and a client that goes away.
 */
class ServeIT {
    private static RunnerProcesses runner;
    private static RunnerProcesses.Started server;
    private static Path socket;
    private static Path serverTrail;

    @BeforeAll
    static void startServer() throws Exception {
        runner = new RunnerProcesses();
        socket = runner.scratch.resolve("private").resolve("serve.sock");
        serverTrail = runner.scratch.resolve("server.jsonl");
        server = runner.start("server", List.of(), "serve", "--socket", socket.toString(),
                "--events", "jsonl:" + serverTrail, "--request-timeout-ms", "1500");
        awaitListening(server);
    }

    private static void awaitListening(RunnerProcesses.Started started) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!started.stderr().contains("listening on")) {
            assertThat(started.process().isAlive()).as("server died: %s", started.stderr()).isTrue();
            assertThat(System.nanoTime()).as("server not listening after 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.process().destroy(); // SIGTERM: the server removes its socket
        assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(socket).doesNotExist();
        runner.close();
    }

    @Test
    void aSubmittedCellRunsAndBothCopiesOfItsEventsVerify() throws Exception {
        Path document = runner.document("/bin/sh", "-c", "echo out; echo err >&2; exit 3");
        Path clientTrail = runner.scratch.resolve("client.jsonl");
        RunnerProcesses.Result submitted = runner.run("submit", "submit", "--socket", socket.toString(),
                "--events-out", clientTrail.toString(), document.toString());
        assertThat(submitted.exitCode()).as(submitted.toString()).isEqualTo(3);
        assertThat(submitted.stdout()).isEqualTo("out\n");
        assertThat(submitted.stderr()).contains("err\n");
        List<JsonNode> events = RunnerProcesses.events(clientTrail);
        assertThat(events).extracting(e -> e.get("type").asText().replaceAll(".*\\.", ""))
                .containsExactly("started", "network_policy", "confinement", "network_enforcement", "completed",
                        "destroyed");
        assertThat(RunnerProcesses.data(events, "completed").get("exitCode").asInt()).isEqualTo(3);
        for (Path trail : List.of(clientTrail, serverTrail)) {
            RunnerProcesses.Result verified = runner.run("verify", "verify", trail.toString());
            assertThat(verified.exitCode()).as("intact, origin not proven (no --key): " + verified).isEqualTo(3);
        }
        String cellId = events.get(0).get("data").get("cellId").asText();
        assertThat(RunnerProcesses.eventsOf(serverTrail, cellId)).as("the server's own trail has the run")
                .extracting(e -> e.get("id").asText()).containsExactlyElementsOf(
                        events.stream().map(e -> e.get("id").asText()).toList());
    }

    /**
     * A workload that ends at once (true) is still named by its host PID in {@code confinement}: cell-init
     * does not reap it before the runner has read /proc (before, about one cell in ten said -1).
     */
    @Test
    void everyConfinementNamesTheWorkloadsHostPidEvenWhenItEndsAtOnce() throws Exception {
        Path document = runner.document("/bin/true");
        for (int round = 0; round < 12; round++) {
            Path clientTrail = runner.scratch.resolve("true-" + round + ".jsonl");
            RunnerProcesses.Result submitted = runner.run("submit", "submit", "--socket", socket.toString(),
                    "--events-out", clientTrail.toString(), document.toString());
            assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
            JsonNode workload = RunnerProcesses.data(RunnerProcesses.events(clientTrail), "confinement")
                    .path("pid1").path("workload");
            assertThat(workload.path("cellPid").asInt()).as("round %d: %s", round, workload).isEqualTo(2);
            assertThat(workload.path("hostPid").asLong()).as("round %d: %s", round, workload).isPositive();
        }
    }

    @Test
    void submitAsksForAnEgressModeAndAServerThatDeniesAuditRefusesIt() throws Exception {
        Path denySocket = runner.scratch.resolve("private-deny").resolve("serve.sock");
        RunnerProcesses.Started denying = runner.start("server-deny", List.of(), "serve", "--socket",
                denySocket.toString(), "--events", "jsonl:" + runner.scratch.resolve("deny.jsonl"),
                "--deny-egress-audit");
        try {
            awaitListening(denying);
            Path plain = runner.document("/bin/true");
            RunnerProcesses.Result refused = runner.run("submit-audit", "submit", "--socket", denySocket.toString(),
                    "--egress-mode", "audit", plain.toString());
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(69);
            assertThat(refused.stderr()).contains("--deny-egress-audit");

            Path audited = runner.document("/bin/true");
            com.fasterxml.jackson.databind.node.ObjectNode tree =
                    (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(audited.toFile());
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("spec")).putObject("authority")
                    .put("egressMode", "audit");
            Files.writeString(audited, tree.toString());
            RunnerProcesses.Result byDocument = runner.run("submit-doc", "submit", "--socket", denySocket.toString(),
                    audited.toString());
            assertThat(byDocument.exitCode()).as("the document's audit is refused too: %s", byDocument).isEqualTo(69);

            Path events = runner.scratch.resolve("enforced-by-submit.jsonl");
            RunnerProcesses.Result enforced = runner.run("submit-enforce", "submit", "--socket", denySocket.toString(),
                    "--egress-mode", "enforce", "--events-out", events.toString(), audited.toString());
            assertThat(enforced.exitCode()).as("submit's enforce wins over the document: %s", enforced).isZero();
            assertThat(RunnerProcesses.data(RunnerProcesses.events(events), "network_policy").path("egressMode")
                    .asText()).isEqualTo("enforce");
        } finally {
            denying.process().destroy();
            assertThat(denying.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theWarmUpEndsWithoutWritingToTheTrail() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!server.stderr().contains("warm-up done in ")) {
            assertThat(server.stderr()).as("the warm-up stopped").doesNotContain("warm-up stopped");
            assertThat(System.nanoTime()).as("no warm-up after 60 s: %s", server.stderr()).isLessThan(deadline);
            Thread.sleep(50);
        }
        if (Files.exists(serverTrail)) {
            assertThat(RunnerProcesses.eventsOf(serverTrail, "warm-up")).as("warm-up events in the server's trail")
                    .isEmpty();
        }
    }

    @Test
    void theSocketIsTheOwnersAlone() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void anotherUidIsRefusedByTheSocketModeAndByItsPeerCredentials() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "SKIP: setpriv (util-linux) is missing");
        assumeTrue("root".equals(System.getProperty("user.name")), "SKIP: needs root to switch to uid 65534");
        Path document = runner.document("/bin/true");
        Path launcher = runner.launcherAnyoneCanRun();
        List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        // The document comes on stdin: uid 65534 cannot read the scratch directory.
        RunnerProcesses.Result blocked = runner.startWith(launcher, "nobody", nobody, document, "submit", "--socket",
                socket.toString(), "-").await();
        assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(75);
        assertThat(blocked.stderr()).contains("Permission denied");

        // With CAP_DAC_OVERRIDE the file modes let uid 65534 connect; SO_PEERCRED still names it.
        List<String> nobodyPastModes = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_override", "--ambient-caps=+dac_override");
        RunnerProcesses.Result refused = runner.startWith(launcher, "nobody-caps", nobodyPastModes, document, "submit", "--socket",
                socket.toString(), "-").await();
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(77);
        assertThat(refused.stderr()).contains("permission denied: uid 65534 may not submit");
        assertThat(server.stderr()).contains("(uid 65534, pid ").contains("refused, not the server's uid or root");
    }

    @Test
    void aRootCellCannotSubmitCells() throws Exception {
        // A root cell (allowed here) runs as the server's uid and is even given the server's directory: the
        // socket's directory is private to the server, masked in every cell, so the socket is not there to
        // connect to (and were it, the server would see from the peer's credentials that it is inside a
        // cell: exit 77). A root cell gets no AF_UNIX socket at all (seccomp), so submit cannot even open one.
        // A cell of its own uid could not even enter the socket's 0700 directory.
        var inner = RunnerProcesses.cell("/bin/sh", "-c", "echo escaped");
        Path innerDocument = runner.write(inner);
        Path checkout = RunnerProcesses.launcher().toAbsolutePath().getParent().getParent();
        Path outer = runner.documentSeeing(List.of(socket.getParent().getParent(), checkout),
                RunnerProcesses.launcher().toString(), "submit", "--socket", socket.toString(), innerDocument.toString());
        ObjectNode asRoot = (ObjectNode) CliFixtures.JSON.readTree(outer.toFile());
        ((ObjectNode) asRoot.get("spec").get("run")).put("user", "root");
        runner.write(asRoot);
        RunnerProcesses.Result result = runner.run("outer", "run", "--allow-root-cells", outer.toString(), "--events",
                "none");
        assertThat(result.exitCode()).as(result.toString()).isIn(75, 77);
        assertThat(result.stderr()).containsAnyOf("cannot open a Unix socket: Operation not permitted", "cannot reach",
                "cells may not submit cells");
        assertThat(result.stdout()).doesNotContain("escaped");
        assertThat(RunnerProcesses.eventsOf(serverTrail, inner.get("spec").get("id").asText())).isEmpty();
    }

    @Test
    void hostileRequestsNextToARunningCellGetClearErrorsAndTheCellCompletes() throws Exception {
        Path go = runner.scratch.resolve("go");
        Path waiting = runner.documentSeeing(runner.scratch, "/bin/sh", "-c",
                "while [ ! -e " + go + " ]; do sleep 0.05; done; echo finished");
        Path trail = runner.scratch.resolve("waiting.jsonl");
        RunnerProcesses.Started cell = runner.start("waiting", List.of(), "submit", "--socket", socket.toString(),
                "--events-out", trail.toString(), waiting.toString());
        awaitEvent(trail, "confinement");

        Answer garbage = exchange("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(garbage.status()).isEqualTo(64);
        assertThat(garbage.messages()).contains("malformed request: expected a 'R' frame, got 'G'");

        Answer huge = exchange(ByteBuffer.allocate(5).put((byte) 'R').putInt(Integer.MAX_VALUE).array());
        assertThat(huge.status()).isEqualTo(64);
        assertThat(huge.messages()).contains("malformed request: a frame of 2147483647 bytes is larger than");

        Answer slow = exchange(new byte[] {'R', 0});
        assertThat(slow.status()).isEqualTo(64);
        assertThat(slow.messages()).contains("no complete request within 1500 ms");

        Answer invalid = exchange(request("{\"apiVersion\": 1}".getBytes(StandardCharsets.UTF_8)));
        assertThat(invalid.status()).isEqualTo(65);
        assertThat(invalid.messages()).contains("invalid ExecutionCell document");

        try (SocketChannel cutOff = connect()) {
            cutOff.write(ByteBuffer.wrap(new byte[] {'R', 0, 0})); // gone in the middle of a header
        }

        assertThat(cell.process().isAlive()).as("the waiting cell is still running").isTrue();
        Files.createFile(go);
        RunnerProcesses.Result done = cell.await();
        assertThat(done.exitCode()).as(done.toString()).isZero();
        assertThat(done.stdout()).isEqualTo("finished\n");
        RunnerProcesses.Result verified = runner.run("verify-waiting", "verify", trail.toString());
        assertThat(verified.exitCode()).as("intact, origin not proven (no --key): " + verified).isEqualTo(3);
    }

    @Test
    void pastMaxCellsARequestIsRefusedAsBusyAndTheRunningCellIsUntouched() throws Exception {
        Path smallSocket = runner.scratch.resolve("small").resolve("serve.sock");
        RunnerProcesses.Started small = runner.start("small-server", List.of(), "serve", "--socket",
                smallSocket.toString(), "--events", "none", "--max-cells", "1");
        try {
            awaitListening(small);
            Path go = runner.scratch.resolve("go-small");
            Path waiting = runner.documentSeeing(runner.scratch, "/bin/sh", "-c",
                    "while [ ! -e " + go + " ]; do sleep 0.05; done; echo done");
            Path trail = runner.scratch.resolve("small.jsonl");
            RunnerProcesses.Started first = runner.start("small-first", List.of(), "submit", "--socket",
                    smallSocket.toString(), "--events-out", trail.toString(), waiting.toString());
            awaitEvent(trail, "confinement");

            RunnerProcesses.Result second = runner.run("small-second", "submit", "--socket", smallSocket.toString(),
                    runner.document("/bin/true").toString());
            assertThat(second.exitCode()).as(second.toString()).isEqualTo(75);
            assertThat(second.stderr()).contains("busy: all 1 request slots (--max-cells) are taken");

            Files.createFile(go);
            RunnerProcesses.Result done = first.await();
            assertThat(done.exitCode()).as(done.toString()).isZero();
            assertThat(done.stdout()).isEqualTo("done\n");
        } finally {
            small.process().destroy();
            small.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatGoesAwayGetsItsCellKilledAndTheTrailSaysSo() throws Exception {
        String cellId = leaveAfterTheFirstOutput(RunnerProcesses.cell("/bin/sh", "-c", "echo up; exec sleep 120"));
        JsonNode destroyed = awaitServerEvent(cellId, "destroyed");
        assertThat(destroyed.get("outcome").asText()).isEqualTo("failed");
        assertThat(destroyed.get("terminalState").asText()).isEqualTo("forced");
        assertThat(destroyed.toString()).contains("the client disconnected");
        assertKilledNotNotStarted(cellId, "");
    }

    /**
     * The same with the cell's CPU held to 10 millicores: its PID 1 is often throttled after the workload
     * printed and before PID 1 said it had started, so the client's leaving kills PID 1 before that word.
     * The workload was released all the same, and the trail must say it was killed.
     */
    @Test
    void aThrottledCellWhoseClientGoesAwayAfterItsOutputIsReportedKilledNeverNotStarted() throws Exception {
        for (int round = 1; round <= 5; round++) {
            ObjectNode document = RunnerProcesses.cell("/bin/sh", "-c", "echo up; exec sleep 120");
            ((ObjectNode) document.get("spec").get("run")).putObject("limits").put("cpuMillicores", 10);
            String cellId = leaveAfterTheFirstOutput(document);
            awaitServerEvent(cellId, "destroyed");
            assertKilledNotNotStarted(cellId, "round " + round + ": ");
        }
    }

    /**
     * A client that goes away at once, while its cell is still being set up: the cell is stopped before its
     * workload is released, so the workload never runs (its first act would be to print) and the trail
     * says "not started". Should the server only hear of it after the release, the trail must say killed.
     */
    @Test
    void aClientThatGoesAwayBeforeItsCellStartsGetsNotStartedAndTheWorkloadNeverRuns() throws Exception {
        var document = RunnerProcesses.cell("/bin/sh", "-c", "echo up; exec sleep 120");
        String cellId = document.get("spec").get("id").asText();
        try (SocketChannel client = connect()) {
            client.write(ByteBuffer.wrap(request(RunnerProcesses.JSON.writeValueAsBytes(document))));
        }
        JsonNode destroyed = awaitServerEvent(cellId, "destroyed");
        assertThat(destroyed.toString()).contains("the client disconnected");
        List<JsonNode> events = RunnerProcesses.eventsOf(serverTrail, cellId);
        if (events.stream().noneMatch(e -> e.get("type").asText().endsWith("completed"))) {
            // stopped before its setup began
            assertThat(destroyed.get("outcome").asText()).as(destroyed.toString()).isEqualTo("refused");
            assertThat(destroyed.get("reason").asText()).startsWith("not started: the client disconnected");
            return;
        }
        JsonNode completed = RunnerProcesses.data(events, "completed");
        if (completed.get("spawnError").isNull()) {
            assertKilledNotNotStarted(cellId, "heard of after the release: ");
            return;
        }
        assertThat(completed.get("spawnError").asText()).as(completed.toString())
                .startsWith("not started: the client disconnected");
        assertThat(completed.get("stdoutBytes").asLong()).as("the workload never ran: %s", completed).isZero();
        assertThat(completed.get("signal").isNull()).as(completed.toString()).isTrue();
        assertThat(completed.get("exitCode").asInt()).as(completed.toString()).isEqualTo(126);
        assertThat(destroyed.get("outcome").asText()).isEqualTo("failed");
        assertThat(destroyed.get("terminalState").asText()).isEqualTo("forced");
    }

    /** Submits {@code document}, reads up to the cell's first output and disconnects; the cell's id. */
    private static String leaveAfterTheFirstOutput(ObjectNode document) throws IOException {
        try (SocketChannel client = connect()) {
            client.write(ByteBuffer.wrap(request(RunnerProcesses.JSON.writeValueAsBytes(document))));
            Frame first = readFrame(client);
            while (first.type() != 'O') {
                first = readFrame(client);
            }
            assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("up\n");
        }
        return document.get("spec").get("id").asText();
    }

    /** The workload ran (its output was seen): {@code completed} says it was killed, with no spawnError. */
    private static void assertKilledNotNotStarted(String cellId, String round) throws IOException {
        JsonNode completed = RunnerProcesses.data(RunnerProcesses.eventsOf(serverTrail, cellId), "completed");
        assertThat(completed.get("spawnError").isNull()).as("%s%s", round, completed).isTrue();
        assertThat(completed.get("signal").asInt()).as("%s%s", round, completed).isEqualTo(9);
        assertThat(completed.get("exitCode").asInt()).as("%s%s", round, completed).isEqualTo(137);
    }

    // --- a raw client, written from docs/serve.md rather than from the server's own classes ---

    record Frame(byte type, byte[] payload) {
    }

    record Answer(int status, String messages) {
    }

    private static SocketChannel connect() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    private static byte[] request(byte[] document) {
        return ByteBuffer.allocate(6 + document.length).put((byte) 'R').putInt(1 + document.length).put((byte) 0)
                .put(document).array();
    }

    /** Sends {@code bytes} and reads the answer up to the exit status. */
    private static Answer exchange(byte[] bytes) throws IOException {
        try (SocketChannel channel = connect()) {
            channel.write(ByteBuffer.wrap(bytes));
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            for (Frame frame = readFrame(channel); ; frame = readFrame(channel)) {
                if (frame.type() == 'L') {
                    messages.write(frame.payload());
                } else if (frame.type() == 'X') {
                    return new Answer(ByteBuffer.wrap(frame.payload()).getInt(), messages.toString(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static Frame readFrame(SocketChannel channel) throws IOException {
        ByteBuffer header = readExactly(channel, 5);
        byte type = header.get();
        return new Frame(type, readExactly(channel, header.getInt()).array());
    }

    private static ByteBuffer readExactly(SocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the server closed the connection");
            }
        }
        return buffer.flip();
    }

    private static void awaitEvent(Path trail, String typeSuffix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (RunnerProcesses.events(trail).stream().noneMatch(e -> e.get("type").asText().endsWith(typeSuffix))) {
            assertThat(System.nanoTime()).as("no %s event in %s", typeSuffix, trail).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static JsonNode awaitServerEvent(String cellId, String typeSuffix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<JsonNode> events = RunnerProcesses.eventsOf(serverTrail, cellId);
            if (events.stream().anyMatch(e -> e.get("type").asText().endsWith(typeSuffix))) {
                return RunnerProcesses.data(events, typeSuffix);
            }
            assertThat(System.nanoTime()).as("no %s event for %s; server: %s", typeSuffix, cellId, server.stderr())
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
