package dev.cellrunner.events;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.cellrunner.events.TestRuns.joined;
import static dev.cellrunner.events.TestRuns.lines;
import static dev.cellrunner.events.TestRuns.verify;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * By default a run is proven by the digests and chain of every event and the signature of its last event
 * (its anchor): CONTRACT.md §3, "What one signature per run proves". Each case shows what that finds, and
 * where the anchor is when the run is cut.
 */
class TrailVerifierAnchorTest {
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);

    private static RunVerdict only(TrailVerifier verifier) {
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).hasSize(1);
        return verifier.verdicts().get(0);
    }

    @Test
    void anIntactRunSaysWhatWasChecked() {
        String trail = joined(lines(TestRuns.completeRun(KEY, 3)));
        assertThat(only(verify(trail, TestRuns.KEY.publicKey())).line())
                .contains("ok, 5 events, chain intact, signature of the last event checked, key ");
        assertThat(only(TestRuns.verifyEvery(trail, TestRuns.KEY.publicKey())).line())
                .contains("ok, 5 events, chain intact, every signature checked, key ");
    }

    @Test
    void aMiddleEventForgedWithTheChainRecomputedFailsAtTheLastSignature() throws Exception {
        List<String> original = lines(TestRuns.completeRun(KEY, 3));
        List<String> forged = TestRuns.forged(original, 2, data -> data.put("n", 42));
        assertThat(verify(joined(original), TestRuns.KEY.publicKey()).verdicts()).singleElement()
                .extracting(RunVerdict::status).as("precondition: the run verifies before").isEqualTo(RunVerdict.Status.OK);

        RunVerdict verdict = only(verify(joined(forged), TestRuns.KEY.publicKey()));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.BAD);
        assertThat(verdict.detail()).contains("seq 4").contains("bad signature").contains("covers every event");
        RunVerdict every = only(TestRuns.verifyEvery(joined(forged), TestRuns.KEY.publicKey()));
        assertThat(every.detail()).as("every signature names the first forged event").contains("seq 2").endsWith("bad signature");
    }

    @Test
    void aMiddleEventAlteredWithoutItsDigestsFailsAtThatEvent() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        lines.set(2, lines.get(2).replace("\"n\":1", "\"n\":7"));
        assertThat(only(verify(joined(lines), TestRuns.KEY.publicKey())).detail())
                .contains("seq 2").contains("attributes or data differ from what was signed");
    }

    @Test
    void anIncompleteRunIsAnchoredAtItsLastPresentEvent() throws Exception {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        lines.remove(lines.size() - 1); // destroyed cut
        RunVerdict cut = only(verify(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(cut.status()).isEqualTo(RunVerdict.Status.INCOMPLETE);
        assertThat(cut.detail()).contains("the last is seq 3").contains("signature of the last present event checked");

        List<String> forgedTail = TestRuns.forged(lines, 3, data -> data.put("n", 9));
        RunVerdict forged = only(verify(joined(forgedTail), TestRuns.KEY.publicKey()));
        assertThat(forged.status()).as("a forged last present event is bad, not incomplete").isEqualTo(RunVerdict.Status.BAD);
        assertThat(forged.detail()).contains("seq 3").contains("bad signature");
    }

    @Test
    void aRunWhoseLastTwoEventsWereCutIsAnchoredOneEarlierAndStillIncomplete() throws Exception {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        lines.subList(lines.size() - 2, lines.size()).clear();
        lines.set(lines.size() - 1, TestRuns.flipSignatureBit(lines.get(lines.size() - 1)));
        RunVerdict verdict = only(verify(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.BAD);
        assertThat(verdict.detail()).contains("seq 2").contains("bad signature");

        List<String> intact = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        intact.subList(intact.size() - 2, intact.size()).clear();
        RunVerdict incomplete = only(verify(joined(intact), TestRuns.KEY.publicKey()));
        assertThat(incomplete.status()).isEqualTo(RunVerdict.Status.INCOMPLETE);
        assertThat(incomplete.detail()).contains("the last is seq 2");
    }

    @Test
    void anAttributeNoSignatureCoversIsReportedOnAnIntactRun() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 2)));
        lines.set(1, lines.get(1).replace("\"chainseq\":1,", "\"chainseq\":1,\"approved\":\"yes\","));
        TrailVerifier verifier = verify(joined(lines), TestRuns.KEY.publicKey());
        RunVerdict verdict = only(verifier);
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.OK);
        assertThat(verdict.unsigned()).contains("approved at seq 1");
        assertThat(verdict.line()).contains("UNSIGNED: 1 extension attribute(s) no signature covers (approved at seq 1)");
        assertThat(verifier.summary().unsignedAttributes()).isEqualTo(1);
        assertThat(verify(joined(lines(TestRuns.completeRun(KEY, 2))), TestRuns.KEY.publicKey()).summary()
                .unsignedAttributes()).isZero();
    }

    @Test
    void withoutAKeyEachRunIsIntactOriginNotProven() {
        RunVerdict verdict = only(verify(joined(lines(TestRuns.completeRun(KEY, 1)))));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.OK);
        assertThat(verdict.keyFromTrail()).isTrue();
        assertThat(verdict.line()).contains("intact, origin not proven");
    }
}
