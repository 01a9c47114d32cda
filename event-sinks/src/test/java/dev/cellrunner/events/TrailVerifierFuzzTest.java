package dev.cellrunner.events;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Whatever the bytes, verify answers: no exception, every finding one bounded line, findings capped,
 * verdicts counted in the summary; and a signed run with any of its lines changed never verifies ok.
 *
 * <p>In {@code mvn verify} these replay the seeds in
 * src/test/resources/dev/cellrunner/events/TrailVerifierFuzzTestInputs/METHOD. To fuzz for real, one
 * method at a time: {@code JAZZER_FUZZ=1 mvn -B -pl event-sinks -am test
 * -Dtest='TrailVerifierFuzzTest#anyBytes' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class TrailVerifierFuzzTest {
    private static final List<String> RUN = TestRuns.lines(TestRuns.completeRun(new SigningKey(TestRuns.KEY, false, null), 2));

    @FuzzTest(maxDuration = "60s")
    void anyBytes(byte[] input) {
        TrailVerifier verifier = new TrailVerifier(List.of(TestRuns.KEY.publicKey()));
        assertThatCode(() -> verifier.read("fuzz.jsonl", new ByteArrayInputStream(input))).doesNotThrowAnyException();
        checkAnswer(verifier);
    }

    /** The signed run with one line cut, spliced, replaced or glued to another; it must not verify ok. */
    @FuzzTest(maxDuration = "60s")
    void editedSignedRun(FuzzedDataProvider data) {
        List<String> lines = new ArrayList<>(RUN);
        int at = data.consumeInt(0, lines.size() - 1);
        String line = lines.get(at);
        String edited = switch (data.consumeInt(0, 3)) {
            case 0 -> line.substring(0, data.consumeInt(0, line.length() - 1));
            case 1 -> {
                int from = data.consumeInt(0, line.length());
                int to = data.consumeInt(from, line.length());
                yield line.substring(0, from) + data.consumeString(40) + line.substring(to);
            }
            case 2 -> data.consumeString(400);
            default -> line.substring(0, data.consumeInt(0, line.length())) + lines.get(data.consumeInt(0, lines.size() - 1));
        };
        boolean changed = !edited.equals(line);
        lines.set(at, edited);
        TrailVerifier verifier = new TrailVerifier(List.of(TestRuns.KEY.publicKey()));
        assertThatCode(() -> verifier.read("fuzz.jsonl", new ByteArrayInputStream(
                (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)))).doesNotThrowAnyException();
        List<RunVerdict> verdicts = checkAnswer(verifier);
        if (changed && !sameEvent(edited, line)) {
            assertThat(verdicts).noneMatch(v -> v.status() == RunVerdict.Status.OK && v.events() == RUN.size()
                    && verifier.problems().isEmpty());
        }
    }

    /** A reformatting that keeps the event (whitespace, member order) is no change to what was signed. */
    private static boolean sameEvent(String edited, String original) {
        try {
            return java.util.Arrays.equals(Jcs.canonicalize(edited.getBytes(StandardCharsets.UTF_8)),
                    Jcs.canonicalize(original.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception notJson) {
            return false;
        }
    }

    private static List<RunVerdict> checkAnswer(TrailVerifier verifier) {
        List<RunVerdict> verdicts = verifier.verdicts();
        TrailVerifier.Summary summary = verifier.summary();
        assertThat(summary.ok() + summary.incomplete() + summary.bad()).isEqualTo(verdicts.size());
        assertThat(verifier.problems()).hasSizeLessThanOrEqualTo(TrailVerifier.MAX_FINDINGS)
                .allSatisfy(p -> assertThat(p).doesNotContain("\n").hasSizeLessThan(2000));
        assertThat(verifier.notes()).hasSizeLessThanOrEqualTo(TrailVerifier.MAX_FINDINGS);
        verdicts.forEach(v -> assertThat(v.line()).isNotBlank().doesNotContain("\n"));
        return verdicts;
    }
}
