package dev.cellrunner.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JsonlSinkTest {
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static TrailVerifier verifyFile(Path file) throws IOException {
        TrailVerifier verifier = new TrailVerifier(List.of(TestRuns.KEY.publicKey()));
        try (InputStream in = Files.newInputStream(file)) {
            verifier.read(file.toString(), in);
        }
        return verifier;
    }

    private static Process writer(Path file, int events, int padding) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                TrailWriterMain.class.getName(), file.toString(), Integer.toString(events), Integer.toString(padding))
                .redirectErrorStream(true).start();
    }

    @Test
    void aNewTrailIsPrivateAndEachEventIsOneLine() throws Exception {
        Path file = dir.resolve("sub/trail.jsonl");
        try (JsonlSink sink = new JsonlSink(file)) {
            for (CloudEvent event : TestRuns.completeRun(KEY, 2)) {
                sink.append(event);
            }
            sink.sync();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        for (String line : lines) {
            assertThat(JSON.readTree(line).get("specversion").asText()).isEqualTo("1.0");
        }
        assertThat(verifyFile(file).verdicts()).singleElement().extracting(RunVerdict::status)
                .isEqualTo(RunVerdict.Status.OK);
    }

    @Test
    void eightProcessesAppendingFiveHundredEventsEachNeverTearALine() throws Exception {
        Path file = dir.resolve("shared.jsonl");
        List<Process> writers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            writers.add(writer(file, 500, 200_000));
        }
        for (Process p : writers) {
            assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(8 * 500);
        for (String line : lines) {
            JSON.readTree(line); // every line parses on its own
        }
        TrailVerifier verifier = verifyFile(file);
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).hasSize(8).allSatisfy(v -> {
            assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK);
            assertThat(v.events()).isEqualTo(500);
        });
    }

    @Test
    void killNineAtAnyMomentLeavesRunsIncompleteNeverBad() throws Exception {
        Path file = dir.resolve("killed.jsonl");
        for (int round = 0; round < 4; round++) {
            Process victim = writer(file, 100_000, 900_000);
            Process bystander = writer(file, 300, 1000);
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(victim.getInputStream())).readLine())
                    .isEqualTo("started");
            Thread.sleep(50 + 97L * round);
            victim.destroyForcibly();
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(bystander.waitFor(120, TimeUnit.SECONDS)).isTrue();
        }
        TrailVerifier verifier = verifyFile(file);
        assertThat(verifier.problems()).isEmpty();
        System.out.println("kill -9 trail: " + verifier.notes().size() + " unattributed partial line(s); "
                + verifier.verdicts().stream().map(RunVerdict::line).toList());
        assertThat(verifier.verdicts()).hasSize(8);
        assertThat(verifier.verdicts()).allSatisfy(v -> assertThat(v.status()).as(v.line())
                .isIn(RunVerdict.Status.OK, RunVerdict.Status.INCOMPLETE));
        assertThat(verifier.verdicts().stream().filter(v -> v.status() == RunVerdict.Status.INCOMPLETE)).hasSize(4);
        assertThat(verifier.verdicts().stream().filter(v -> v.status() == RunVerdict.Status.OK)).hasSize(4);
    }

    @Test
    void aDeviceIsRefusedBeforeAnythingIsWritten() {
        assumeTrue(Files.exists(Path.of("/dev/full")), "SKIP: /dev/full is not available here");
        assertThatThrownBy(() -> new JsonlSink(Path.of("/dev/full"))).isInstanceOf(SinkException.class)
                .hasMessageContaining("jsonl:/dev/full is a character device; a JSONL trail must be a regular file");
    }

    @Test
    void aLineOverOneMebibyteIsRefusedWithoutWritingAnything() throws Exception {
        Path file = dir.resolve("big.jsonl");
        CloudEvent small = TestRuns.completeRun(KEY, 0).get(0);
        ObjectNode data = JSON.createObjectNode().put("blob", "x".repeat(EventJson.MAX_EVENT_BYTES));
        CloudEvent big = io.cloudevents.core.builder.CloudEventBuilder.v1(small)
                .withData(Jcs.canonicalize(data)).build();
        try (JsonlSink sink = new JsonlSink(file)) {
            assertThatThrownBy(() -> sink.append(big)).isInstanceOf(SinkException.class)
                    .hasMessageContaining("over 1048576 bytes (1 MiB) are refused");
        }
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void aPendingInterruptDoesNotCloseTheTrail() throws Exception {
        Path file = dir.resolve("interrupted.jsonl");
        List<CloudEvent> events = TestRuns.completeRun(KEY, 1);
        try (JsonlSink sink = new JsonlSink(file)) {
            Thread.currentThread().interrupt();
            for (CloudEvent event : events) {
                sink.append(event);
            }
            assertThat(Thread.interrupted()).as("the interrupt is kept for its owner").isTrue();
            sink.sync();
        }
        assertThat(Files.readAllLines(file)).hasSize(3);
    }

    @Test
    void anUnopenableTrailSaysWhichAndWhy() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> new JsonlSink(notADirectory.resolve("trail.jsonl")))
                .isInstanceOf(SinkException.class).hasMessageContaining("cannot open for append")
                .hasMessageContaining("plain-file");
    }
}
