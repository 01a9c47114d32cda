package dev.cellrunner.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** verify's half of the run chain names each kind of tampering with whole runs, and nothing in an intact file. */
class RunChainCheckTest {
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);

    @TempDir
    Path dir;

    /** Three sequential runs of four lines each in one file. */
    private List<String> threeRuns(String name) throws Exception {
        Path trail = dir.resolve(name);
        for (int i = 0; i < 3; i++) {
            try (EventTrail events = TestRuns.trail(KEY, "cell-" + i, new JsonlSink(trail))) {
                TestRuns.emitRun(events, 2);
            }
        }
        return Files.readAllLines(trail);
    }

    private static List<RunChainCheck.Finding> check(RunChainCheck check, String source, List<String> lines) throws Exception {
        List<RunChainCheck.Finding> findings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            TrailEvent event = TrailEvent.parse(lines.get(i).getBytes(StandardCharsets.UTF_8), source + ":" + (i + 1));
            findings.addAll(check.event(source, event));
        }
        return findings;
    }

    private static List<RunChainCheck.Finding> check(List<String> lines) throws Exception {
        return check(new RunChainCheck(), "t.jsonl", lines);
    }

    @Test
    void anIntactFileHasNoFinding() throws Exception {
        assertThat(check(threeRuns("a.jsonl"))).isEmpty();
    }

    @Test
    void aDeletedRunShowsAtTheNextStarted() throws Exception {
        List<String> lines = new ArrayList<>(threeRuns("a.jsonl"));
        lines.subList(4, 8).clear();
        assertThat(check(lines)).singleElement().satisfies(f -> assertThat(f.message())
                .contains("its started at t.jsonl:5").contains("were deleted"));
    }

    @Test
    void swappedRunsShowAsAReorder() throws Exception {
        List<String> lines = threeRuns("a.jsonl");
        List<String> swapped = new ArrayList<>(lines.subList(0, 4));
        swapped.addAll(lines.subList(8, 12));
        swapped.addAll(lines.subList(4, 8));
        assertThat(check(swapped)).isNotEmpty().anySatisfy(f -> assertThat(f.message()).contains("reordered"));
    }

    @Test
    void aRunFromAnotherFileShowsAsInserted() throws Exception {
        List<String> lines = new ArrayList<>(threeRuns("a.jsonl"));
        List<String> other = threeRuns("b.jsonl");
        lines.addAll(4, other.subList(4, 8));
        assertThat(check(lines)).hasSize(2).allSatisfy(f -> assertThat(f.message())
                .contains("inserted"));
    }

    @Test
    void aFileCutAtARunBoundaryShowsWhenTheNextFileSaysSo() throws Exception {
        Path trail = dir.resolve("r.jsonl");
        List<String> first = threeRuns("r.jsonl");
        Files.move(trail, dir.resolve("r.jsonl.1"));
        List<String> second = threeRuns("r.jsonl");
        RunChainCheck whole = new RunChainCheck();
        assertThat(check(whole, "r.jsonl.1", first)).isEmpty();
        assertThat(check(whole, "r.jsonl", second)).isEmpty();
        RunChainCheck cut = new RunChainCheck();
        assertThat(check(cut, "r.jsonl.1", first.subList(0, 8))).isEmpty();
        assertThat(check(cut, "r.jsonl", second)).singleElement().satisfies(f -> {
            assertThat(f.runId()).isNull();
            assertThat(f.message()).contains("r.jsonl.1 was cut at a run boundary");
        });
    }

    private static TrailVerifier verified(Map<String, List<String>> files, TrailVerifier.Options options, boolean asMessages)
            throws Exception {
        TrailVerifier verifier = new TrailVerifier(List.of(TestRuns.KEY.publicKey()), options);
        for (Map.Entry<String, List<String>> file : files.entrySet()) {
            InputStream in = new ByteArrayInputStream(TestRuns.joined(file.getValue()).getBytes(StandardCharsets.UTF_8));
            if (asMessages) {
                verifier.readMessages(file.getKey(), in);
            } else {
                verifier.read(file.getKey(), in);
            }
        }
        verifier.finish();
        return verifier;
    }

    @Test
    void theStreamingVerifierReportsADeletedRunBesideIntactRuns() throws Exception {
        List<String> lines = new ArrayList<>(threeRuns("a.jsonl"));
        TrailVerifier intact = verified(Map.of("t.jsonl", lines), TrailVerifier.Options.DEFAULTS, false);
        assertThat(intact.problems()).as("precondition: the whole file has no finding").isEmpty();
        lines.subList(4, 8).clear();
        TrailVerifier verifier = verified(Map.of("t.jsonl", lines), TrailVerifier.Options.DEFAULTS, false);
        assertThat(verifier.verdicts()).hasSize(2).allSatisfy(v -> assertThat(v.status()).isEqualTo(RunVerdict.Status.OK));
        assertThat(verifier.problems()).singleElement().asString().startsWith("run chain: run ")
                .contains("its started at t.jsonl:5").contains("were deleted");
        assertThat(verifier.summary().anythingBad()).isTrue();
        assertThat(verified(Map.of("t.jsonl", lines), new TrailVerifier.Options(false, false), false).problems())
                .as("--no-run-chain").isEmpty();
        assertThat(verified(Map.of("t.jsonl", lines), TrailVerifier.Options.DEFAULTS, true).problems())
                .as("a broker's stream has no run chain of its own").isEmpty();
    }

    @Test
    void theStreamingVerifierReportsAFileCutAtARunBoundary() throws Exception {
        Path trail = dir.resolve("r.jsonl");
        List<String> first = threeRuns("r.jsonl");
        Files.move(trail, dir.resolve("r.jsonl.1"));
        List<String> second = threeRuns("r.jsonl");
        Map<String, List<String>> whole = new LinkedHashMap<>();
        whole.put("r.jsonl.1", first);
        whole.put("r.jsonl", second);
        assertThat(verified(whole, TrailVerifier.Options.DEFAULTS, false).problems()).isEmpty();
        Map<String, List<String>> cut = new LinkedHashMap<>();
        cut.put("r.jsonl.1", first.subList(0, 8));
        cut.put("r.jsonl", second);
        assertThat(verified(cut, TrailVerifier.Options.DEFAULTS, false).problems()).singleElement().asString()
                .contains("r.jsonl.1 was cut at a run boundary");
    }

    @Test
    void runprevOutsideTheSignatureIsBad() throws Exception {
        List<String> lines = new ArrayList<>(threeRuns("a.jsonl"));
        lines.set(5, lines.get(5).replace("\"chainseq\":1,", "\"chainseq\":1,\"runprev\":\"" + "0".repeat(64) + "\","));
        assertThat(check(lines)).anySatisfy(f -> assertThat(f.message()).contains("outside its signature"));
    }
}
