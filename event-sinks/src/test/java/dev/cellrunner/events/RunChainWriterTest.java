package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer's half of the run chain: every started and destroyed names, as signed {@code runprev}, the
 * event line just before it in the file, however many runners append at once; a file that starts anew
 * names where the previous one ended; a torn tail is passed over.
 */
class RunChainWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);

    @TempDir
    Path dir;

    private static void run(Path trail, int middle) throws Exception {
        try (EventTrail events = TestRuns.trail(KEY, "chain-cell", new JsonlSink(trail))) {
            TestRuns.emitRun(events, middle);
        }
    }

    /** For each line that carries runprev: does it name the event line before it (zeros at the start)? */
    private static List<String> brokenLinks(Path trail, String startingFrom) throws Exception {
        List<String> broken = new ArrayList<>();
        String previous = startingFrom;
        int number = 0;
        for (String line : Files.readAllLines(trail)) {
            number++;
            String digest = RunLink.payloadDigest(line.getBytes(StandardCharsets.UTF_8));
            if (digest == null) {
                continue;
            }
            JsonNode event = JSON.readTree(line);
            if (event.has("runprev") && !event.get("runprev").asText().equals(previous)) {
                broken.add("line " + number + " names " + event.get("runprev").asText().substring(0, 12));
            }
            previous = digest;
        }
        return broken;
    }

    @Test
    void theSidecarIsThereOnceTheSinkIsOpenBeforeAnyEvent() throws Exception {
        // a cell's mount view masks the runner's files that exist when it is built, which may be before the first append
        Path trail = dir.resolve("fresh.jsonl");
        try (JsonlSink sink = new JsonlSink(trail)) {
            Path sidecar = RunLink.sidecar(trail);
            assertThat(sidecar).exists().isEmptyFile();
            assertThat(java.nio.file.Files.getPosixFilePermissions(sidecar))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void runsAppendedOneAfterAnotherNameTheLineBeforeTheirStartedAndDestroyed() throws Exception {
        Path trail = dir.resolve("trail.jsonl");
        for (int i = 0; i < 3; i++) {
            run(trail, 2);
        }
        List<String> lines = Files.readAllLines(trail);
        assertThat(lines).hasSize(12);
        assertThat(JSON.readTree(lines.get(0)).get("runprev").asText()).isEqualTo(ChainSigner.NO_PREVIOUS);
        assertThat(JSON.readTree(lines.get(1)).has("runprev")).isFalse();
        assertThat(brokenLinks(trail, ChainSigner.NO_PREVIOUS)).isEmpty();
        String signed = new String(Digests.decodeBase64(JSON.readTree(lines.get(4)).get("dssematerial").asText()),
                StandardCharsets.UTF_8);
        assertThat(new String(Dsse.Envelope.parse(signed.getBytes(StandardCharsets.UTF_8)).payload(), StandardCharsets.UTF_8))
                .contains("\"signedextattrs\":[\"cellid\",\"runid\",\"chainseq\",\"chainprev\",\"runprev\"]");
        // and the runs verify as before
        TrailVerifier verifier = TestRuns.verify(Files.readString(trail), TestRuns.KEY.publicKey());
        assertThat(verifier.verdicts()).hasSize(3).allMatch(v -> v.status() == RunVerdict.Status.OK);
    }

    @Test
    void runnersAppendingAtOnceStillLinkEachStartedToTheLineBeforeIt() throws Exception {
        Path trail = dir.resolve("shared.jsonl");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                runs.add(pool.submit(() -> {
                    run(trail, 5);
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(Files.readAllLines(trail)).hasSize(30 * 7);
        assertThat(brokenLinks(trail, ChainSigner.NO_PREVIOUS)).isEmpty();
    }

    @Test
    void aFileThatStartsAnewNamesWhereThePreviousFileEnded() throws Exception {
        Path trail = dir.resolve("rotating.jsonl");
        run(trail, 1);
        List<String> old = Files.readAllLines(trail);
        String lastOfOld = RunLink.payloadDigest(old.get(old.size() - 1).getBytes(StandardCharsets.UTF_8));
        Files.move(trail, dir.resolve("rotating.jsonl.1"));
        run(trail, 1);
        assertThat(JSON.readTree(Files.readAllLines(trail).get(0)).get("runprev").asText()).isEqualTo(lastOfOld);
        assertThat(brokenLinks(trail, lastOfOld)).isEmpty();
        assertThat(JsonlSink.runChainFile(trail)).exists();
    }

    @Test
    void aTornTailAndAForeignLineArePassedOver() throws Exception {
        Path trail = dir.resolve("torn.jsonl");
        run(trail, 1);
        List<String> before = Files.readAllLines(trail);
        String last = RunLink.payloadDigest(before.get(before.size() - 1).getBytes(StandardCharsets.UTF_8));
        Files.writeString(trail, "not an event\n{\"specversion\":\"1.0\",\"id\":\"x\"}\n{\"specversion\":\"1.0\",\"id\":\"cut",
                StandardOpenOption.APPEND);
        run(trail, 1);
        String glued = Files.readAllLines(trail).get(before.size() + 2); // the torn tail, then our started
        JsonNode started = JSON.readTree(glued.substring(glued.lastIndexOf("{\"specversion\"")));
        assertThat(started.get("type").asText()).isEqualTo(EventTypes.STARTED);
        assertThat(started.get("runprev").asText()).isEqualTo(last);
    }
}
