package dev.cellrunner.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

import static dev.cellrunner.events.TestRuns.joined;
import static dev.cellrunner.events.TestRuns.lines;
import static dev.cellrunner.events.TestRuns.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignedTrailTest {
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);

    private static RunVerdict only(TrailVerifier verifier) {
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).hasSize(1);
        return verifier.verdicts().get(0);
    }

    @Test
    void everyEventCarriesTheChainAndASignatureTheExtensionDescribes() throws Exception {
        List<CloudEvent> events = TestRuns.completeRun(KEY, 3);
        String previous = ChainSigner.NO_PREVIOUS;
        for (int seq = 0; seq < events.size(); seq++) {
            CloudEvent event = events.get(seq);
            assertThat(event.getExtension("chainseq")).isEqualTo(seq);
            assertThat(event.getExtension("chainprev")).isEqualTo(previous);
            assertThat(event.getExtension("runid")).isEqualTo(events.get(0).getExtension("runid"));
            Dsse.Envelope envelope = Dsse.Envelope.parse((byte[]) event.getExtension("dssematerial"));
            assertThat(envelope.payloadType()).isEqualTo("https://cloudevents.io/verifiability/dsse/v0.1");
            assertThat(envelope.signatures().get(0).keyid()).isEqualTo(TestRuns.KEY.keyId());
            assertThat(TestRuns.KEY.publicKey().verify(Dsse.pae(envelope.payloadType(), envelope.payload()),
                    envelope.signatures().get(0).sig())).isTrue();
            VerificationMaterial material = VerificationMaterial.parse(envelope.payload());
            assertThat(material.signedExtAttrs()).containsExactly("cellid", "runid", "chainseq", "chainprev");
            assertThat(material.core()).isEqualTo(VerificationMaterial.coreDigest(SignedContent.of(event)));
            // data is canonical JSON: the bytes re-canonicalise to themselves
            assertThat(Jcs.canonicalize(event.getData().toBytes())).isEqualTo(event.getData().toBytes());
            previous = java.util.HexFormat.of().formatHex(Digests.sha256(envelope.payload()));
        }
    }

    @Test
    void anIntactRunVerifiesWithItsKeyOrWithThePublishedKey() {
        String trail = joined(lines(TestRuns.completeRun(KEY, 3)));
        RunVerdict withKey = only(verify(trail, TestRuns.KEY.publicKey()));
        assertThat(withKey.status()).isEqualTo(RunVerdict.Status.OK);
        assertThat(withKey.events()).isEqualTo(5);
        RunVerdict published = only(verify(trail));
        assertThat(published.status()).isEqualTo(RunVerdict.Status.OK);
        assertThat(published.keyFromTrail()).isTrue();
        assertThat(published.line()).contains("intact, origin not proven");
    }

    @Test
    void anotherKeyIsUnknown() {
        String trail = joined(lines(TestRuns.completeRun(SigningKey.generateEphemeral(), 1)));
        RunVerdict verdict = only(verify(trail, TestRuns.KEY.publicKey()));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.BAD);
        assertThat(verdict.detail()).contains("unknown key");
    }

    @Test
    void alteredDataIsABadSignature() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 2)));
        lines.set(1, lines.get(1).replace("\"n\":0", "\"n\":9"));
        RunVerdict verdict = only(verify(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.BAD);
        assertThat(verdict.detail()).contains("seq 1").contains("bad signature");
    }

    @Test
    void alteredChainAttributeIsABadSignature() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 2)));
        lines.set(2, lines.get(2).replace("\"chainseq\":2", "\"chainseq\":7"));
        assertThat(only(verify(joined(lines), TestRuns.KEY.publicKey())).detail())
                .contains("extension attributes differ");
    }

    @Test
    void aDuplicatedMemberIsRejectedNotResolved() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 1)));
        lines.set(1, lines.get(1).replace("\"n\":0", "\"n\":5,\"n\":0"));
        TrailVerifier verifier = verify(joined(lines), TestRuns.KEY.publicKey());
        assertThat(verifier.problems()).singleElement().asString().contains("trail.jsonl:2").contains("Duplicate");
    }

    @Test
    void aDeletedEventIsAGap() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        lines.remove(2);
        RunVerdict verdict = only(verify(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.BAD);
        assertThat(verdict.detail()).contains("seq 3").contains("gap: seq 2 missing");
    }

    @Test
    void swappedEventsAreAReorder() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        Collections.swap(lines, 1, 2);
        assertThat(only(verify(joined(lines), TestRuns.KEY.publicKey())).detail())
                .contains("seq 2").contains("reorder: it comes before seq 1");
    }

    @Test
    void aRepeatedEventIsADuplicate() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        lines.add(3, lines.get(1));
        assertThat(only(verify(joined(lines), TestRuns.KEY.publicKey())).detail())
                .contains("seq 1").contains("duplicate");
    }

    @Test
    void anEventSignedForAnotherRunBreaksTheChain() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        List<String> other = lines(TestRuns.completeRun(KEY, 3));
        String runId = lines.get(0).replaceAll(".*\"runid\":\"([^\"]+)\".*", "$1");
        String otherRunId = other.get(0).replaceAll(".*\"runid\":\"([^\"]+)\".*", "$1");
        // same key, same seq, but from another run: even rewritten to claim this run, it cannot verify
        lines.set(2, other.get(2).replace(otherRunId, runId));
        assertThat(only(verify(joined(lines), TestRuns.KEY.publicKey())).status()).isEqualTo(RunVerdict.Status.BAD);
    }

    @Test
    void aRunWithoutDestroyedIsIncompleteNotBad() {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 3)));
        lines.remove(lines.size() - 1);
        RunVerdict verdict = only(verify(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(verdict.status()).isEqualTo(RunVerdict.Status.INCOMPLETE);
        assertThat(verdict.detail()).contains("no destroyed event; the last is seq 3");
    }

    @Test
    void aPartialLastLineMakesTheRunIncompleteNeverBad() {
        List<String> lines = lines(TestRuns.completeRun(KEY, 3));
        String last = lines.get(lines.size() - 1);
        for (int cut : new int[] {1, 40, last.length() / 2, last.length() - 1}) {
            String text = joined(lines.subList(0, lines.size() - 1)) + last.substring(0, cut);
            TrailVerifier verifier = verify(text, TestRuns.KEY.publicKey());
            assertThat(verifier.problems()).as("cut at %d", cut).isEmpty();
            assertThat(verifier.verdicts()).singleElement().extracting(RunVerdict::status)
                    .isEqualTo(RunVerdict.Status.INCOMPLETE);
        }
    }

    @Test
    void aTornLineGluedToAnotherRunnersLineKeepsThatRunIntact() {
        List<String> a = lines(TestRuns.completeRun(KEY, 2));
        List<String> b = lines(TestRuns.completeRun(KEY, 2));
        List<String> file = new ArrayList<>();
        file.add(a.get(0));
        file.add(b.get(0));
        file.add(a.get(1).substring(0, a.get(1).length() - 30) + b.get(1)); // a's writer died mid-line
        file.addAll(b.subList(2, b.size()));
        TrailVerifier verifier = verify(joined(file), TestRuns.KEY.publicKey());
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).extracting(RunVerdict::status)
                .containsExactly(RunVerdict.Status.INCOMPLETE, RunVerdict.Status.OK);
    }

    @Test
    void reSerialisedLinesStillVerify() throws Exception {
        ObjectMapper pretty = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        List<String> rewritten = new ArrayList<>();
        for (String line : lines(TestRuns.completeRun(KEY, 3))) {
            ObjectNode event = (ObjectNode) pretty.readTree(line);
            // a pipeline that sorts keys, turns numbers into strings in extensions and shifts the time zone
            event.put("chainseq", event.get("chainseq").asText());
            event.put("time", java.time.OffsetDateTime.parse(event.get("time").asText())
                    .withOffsetSameInstant(java.time.ZoneOffset.ofHours(2)).toString());
            ObjectNode data = (ObjectNode) event.get("data");
            ObjectNode reordered = pretty.createObjectNode();
            List<String> names = new ArrayList<>();
            data.fieldNames().forEachRemaining(names::add);
            Collections.reverse(names);
            names.forEach(n -> reordered.set(n, data.get(n)));
            event.set("data", reordered);
            rewritten.add(pretty.writeValueAsString(pretty.readTree(pretty.writeValueAsString(event)))
                    .replace("\n", " "));
        }
        assertThat(rewritten.get(1)).contains("+02:00");
        assertThat(only(verify(joined(rewritten), TestRuns.KEY.publicKey())).status()).isEqualTo(RunVerdict.Status.OK);
    }

    @Test
    void aFlippedSignatureBitOfTheLastEventIsABadSignature() throws Exception {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 1)));
        lines.set(2, TestRuns.flipSignatureBit(lines.get(2)));
        assertThat(only(verify(joined(lines), TestRuns.KEY.publicKey())).detail()).contains("seq 2")
                .contains(": bad signature (this signature covers every event of the run");
    }

    @Test
    void aFlippedSignatureBitOfAMiddleEventIsFoundByEverySignatureOnly() throws Exception {
        List<String> lines = new ArrayList<>(lines(TestRuns.completeRun(KEY, 1)));
        lines.set(1, TestRuns.flipSignatureBit(lines.get(1)));
        RunVerdict byDefault = only(verify(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(byDefault.status()).as("the content is proven by the last signature").isEqualTo(RunVerdict.Status.OK);
        assertThat(byDefault.detail()).contains("signature of the last event checked");
        RunVerdict every = only(TestRuns.verifyEvery(joined(lines), TestRuns.KEY.publicKey()));
        assertThat(every.status()).isEqualTo(RunVerdict.Status.BAD);
        assertThat(every.detail()).contains("seq 1").endsWith(": bad signature");
    }

    @Test
    void extensionNamesFollowTheCloudEventsRule() {
        assertThat(ExtensionNames.require("chainprev")).isEqualTo("chainprev");
        assertThatThrownBy(() -> ExtensionNames.require("abcdefghijklmnopqrstu")).hasMessageContaining("20");
        assertThatThrownBy(() -> ExtensionNames.require("chainPrev")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExtensionNames.require("chain_prev")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExtensionNames.require("subject")).hasMessageContaining("core");
    }

    @Test
    void signedExtensionListsThatTheExtensionForbidsAreRejected() {
        byte[] digest = new byte[32];
        assertThatThrownBy(() -> new VerificationMaterial(digest, digest, List.of("exta", "exta")))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> new VerificationMaterial(digest, digest, List.of("id")))
                .hasMessageContaining("'id'");
        assertThatThrownBy(() -> new VerificationMaterial(digest, digest, List.of("dssematerial")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VerificationMaterial.parse(
                ("{\"core\":\"" + Base64.getEncoder().encodeToString(digest) + "\",\"signedextattrs\":[\"a\"]}").getBytes()))
                .hasMessageContaining("together");
    }

    @Test
    void timeIsHashedInUtcToTheSecond() {
        assertThat(SignedContent.normalizedTime(java.time.OffsetDateTime.parse("2020-06-18T19:24:53.987+02:00")))
                .isEqualTo("2020-06-18T17:24:53Z");
    }

    @Test
    void anEventOverOneMebibyteIsRefusedBeforeAnySinkSeesIt() {
        TestRuns.MemorySink sink = new TestRuns.MemorySink();
        EventTrail trail = TestRuns.trail(KEY, "big", sink);
        ObjectNode data = new ObjectMapper().createObjectNode();
        data.put("blob", "x".repeat(EventJson.MAX_EVENT_BYTES));
        assertThatThrownBy(() -> trail.emit(EventTypes.STARTED, data)).isInstanceOf(SinkException.class)
                .hasMessageContaining("1 MiB");
        assertThat(sink.events).isEmpty();
    }
}
