package dev.cellrunner.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Trails from hosts nobody trusts: huge, full of subnormal doubles, full of glued lines, full of junk.
 * The verifier's memory stays flat, its time linear, its findings capped. Every input is generated
 * here. The time bounds are hang checks far above what linear code takes, not speed targets (those
 * are in bench/verify-throughput.sh).
 */
class TrailVerifierHostileTest {
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);
    private static final Duration HANG = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aTrailFarLargerThanTheHeapVerifiesInFlatMemory() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                StreamingVerifyMain.class.getName(), "60");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(dir.resolve("out.txt"));
        assertThat(out).doesNotContain("OutOfMemoryError").matches("(?s)runs (\\d+) ok \\1 incomplete 0 bad 0 problems 0\\s*");
        assertThat(process.exitValue()).isZero();
    }

    @Test
    void dataFullOfSubnormalDoublesCostsLinearTime() {
        // 24 lines of ~1 MB of subnormals: the exact-decimal formatter took minutes, Schubfach a second or two
        InputStream trail = lines(24, i -> unsignedEvent(i, subnormals(40_000, i)));
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()));
        assertTimeoutPreemptively(HANG, () -> verifier.read("subnormals.jsonl", trail));
        List<RunVerdict> verdicts = verifier.verdicts();
        assertThat(verdicts).hasSize(24).allSatisfy(v -> assertThat(v.detail()).contains("unsigned"));
        assertThat(verifier.problems()).isEmpty();
    }

    @Test
    void gluedLinesAreRecoveredInLinearTime() {
        // a line of 1 MiB holding 38k event starts, each opening an array that never closes, then one whole event
        List<String> run = TestRuns.lines(TestRuns.completeRun(KEY, 2));
        String junk = "{\"specversion\":\"1.0\",\"a\":[".repeat(38_000);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            lines.add(junk + (i == 0 ? run.get(0) : "}"));
        }
        lines.addAll(run.subList(1, run.size()));
        InputStream trail = new ByteArrayInputStream(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()));
        assertTimeoutPreemptively(HANG, () -> verifier.read("glued.jsonl", trail));
        assertThat(verifier.verdicts()).singleElement().extracting(RunVerdict::status).isEqualTo(RunVerdict.Status.OK);
        assertThat(verifier.problems()).hasSize(3).allSatisfy(p -> assertThat(p).contains("not a CloudEvent"));
    }

    @Test
    void findingsAreCappedAndCounted() throws IOException {
        InputStream trail = lines(20_000, i -> "not json " + i);
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()));
        verifier.read("junk.jsonl", trail);
        assertThat(verifier.problems()).hasSize(TrailVerifier.MAX_FINDINGS);
        assertThat(verifier.summary().problems()).isEqualTo(20_000);
        assertThat(verifier.problems()).allSatisfy(p -> assertThat(p.length()).isLessThan(500));
    }

    @Test
    void verdictsStreamOutAsRunsEnd() {
        List<String> a = TestRuns.lines(TestRuns.completeRun(KEY, 1));
        List<String> b = TestRuns.lines(TestRuns.completeRun(KEY, 1));
        List<RunVerdict> seen = new ArrayList<>();
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()), seen::add);
        long n = 1;
        for (String line : a) {
            verifier.accept("stream", TrailLines.Line.whole(n++, line.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(seen).as("a's verdict before b starts").singleElement()
                .extracting(RunVerdict::status).isEqualTo(RunVerdict.Status.OK);
        for (String line : b.subList(0, 2)) {
            verifier.accept("stream", TrailLines.Line.whole(n++, line.getBytes(StandardCharsets.UTF_8)));
        }
        verifier.accept("stream", TrailLines.Line.whole(n, a.get(1).getBytes(StandardCharsets.UTF_8)));
        verifier.finish();
        assertThat(seen).extracting(RunVerdict::status)
                .containsExactly(RunVerdict.Status.OK, RunVerdict.Status.BAD, RunVerdict.Status.INCOMPLETE);
        assertThat(seen.get(1).detail()).contains("event after destroyed");
        assertThat(verifier.summary().ok()).isZero();
    }

    private static String subnormals(int count, int seed) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : ",").append(Double.longBitsToDouble(0x000f_ffff_ffffL * (i + 1) + seed));
        }
        return out.append(']').toString();
    }

    private static String unsignedEvent(int n, String data) {
        return "{\"specversion\":\"1.0\",\"id\":\"e" + n + "\",\"source\":\"/x\",\"type\":\"" + EventTypes.STARTED
                + "\",\"datacontenttype\":\"application/json\",\"cellid\":\"c\",\"runid\":\"run-" + n
                + "\",\"chainseq\":0,\"data\":" + data + "}";
    }

    /** {@code count} lines made one at a time as they are read. */
    private static InputStream lines(int count, java.util.function.IntFunction<String> line) {
        return new java.io.SequenceInputStream(new java.util.Enumeration<>() {
            private int next;

            @Override
            public boolean hasMoreElements() {
                return next < count;
            }

            @Override
            public InputStream nextElement() {
                return new ByteArrayInputStream((line.apply(next++) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }
}
