package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite's own §3 verifier accepts a trail signed per the contract and names each kind of tampering. */
@ContractSection("harness self-test")
class TrailVerifierSelfTest {
    private final KeyPair keys = ed25519();
    private final byte[] rawPublic = Arrays.copyOfRange(keys.getPublic().getEncoded(), 12, 44);

    @Test
    @DisplayName("a trail signed and chained per CONTRACT.md §3 verifies")
    void signedTrailVerifies() throws Exception {
        assertThat(TrailVerifier.problems(signedRun(), rawPublic)).isEmpty();
        assertThat(TrailVerifier.rawPublicKey(Base64.getUrlEncoder().encode(rawPublic)).orElseThrow()).isEqualTo(rawPublic);
    }

    @Test
    @DisplayName("altered data, a reordered chain, a foreign key and a truncated run are each reported")
    void tamperingIsReported() throws Exception {
        List<CellEvent> altered = signedRun();
        ((ObjectNode) altered.get(1).data()).put("exitCode", 0);
        List<CellEvent> reordered = new ArrayList<>(List.of(signedRun().get(1), signedRun().get(0)));
        byte[] otherKey = Arrays.copyOfRange(ed25519().getPublic().getEncoded(), 12, 44);

        assertThat(TrailVerifier.problems(altered, rawPublic)).anyMatch(p -> p.contains("core digest"));
        assertThat(TrailVerifier.problems(reordered, rawPublic)).anyMatch(p -> p.contains("chainseq"));
        assertThat(TrailVerifier.problems(signedRun(), otherKey)).anyMatch(p -> p.contains("no Ed25519 signature"));
        assertThat(TrailVerifier.problems(signedRun().subList(0, 1), rawPublic))
                .anyMatch(p -> p.contains("does not end with destroyed"));
    }

    /** Two events (completed, destroyed) signed here exactly as the contract describes. */
    private List<CellEvent> signedRun() throws Exception {
        List<CellEvent> run = new ArrayList<>();
        String previous = "0".repeat(64);
        String[][] events = {
                {"dev.cellos.events.cell.command.v1.completed", "{\"cellId\":\"c\",\"runId\":\"r\",\"exitCode\":1}"},
                {"dev.cellos.events.cell.lifecycle.v1.destroyed", "{\"cellId\":\"c\",\"runId\":\"r\",\"outcome\":\"failed\"}"}};
        for (int seq = 0; seq < events.length; seq++) {
            ObjectNode event = (ObjectNode) Trail.JSON.readTree("{\"specversion\":\"1.0\",\"id\":\"e" + seq
                    + "\",\"source\":\"/cell-runner/h\",\"type\":\"" + events[seq][0] + "\",\"subject\":\"cell:c\","
                    + "\"datacontenttype\":\"application/json\",\"time\":\"2026-11-26T04:24:59.123Z\",\"cellid\":\"c\","
                    + "\"runid\":\"r\",\"chainseq\":" + seq + ",\"chainprev\":\"" + previous + "\",\"data\":"
                    + events[seq][1] + "}");
            ObjectNode material = Trail.JSON.createObjectNode();
            material.put("core", Base64.getEncoder().encodeToString(TrailVerifier.coreDigest(event)));
            material.put("ext", Base64.getEncoder().encodeToString(TrailVerifier.extDigest(event, TrailVerifier.SIGNED_EXTENSIONS)));
            TrailVerifier.SIGNED_EXTENSIONS.forEach(material.putArray("signedextattrs")::add);
            byte[] payload = Trail.JSON.writeValueAsBytes(material);
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(keys.getPrivate());
            signer.update(TrailVerifier.pae(TrailVerifier.PAYLOAD_TYPE, payload));
            ObjectNode envelope = Trail.JSON.createObjectNode();
            envelope.put("payload", Base64.getEncoder().encodeToString(payload));
            envelope.put("payloadType", TrailVerifier.PAYLOAD_TYPE);
            ObjectNode signature = envelope.putArray("signatures").addObject();
            signature.put("keyid", TrailVerifier.keyId(rawPublic));
            signature.put("sig", Base64.getEncoder().encodeToString(signer.sign()));
            event.put("dssematerial", Base64.getEncoder().encodeToString(
                    Trail.JSON.writeValueAsString(envelope).getBytes(StandardCharsets.UTF_8)));
            run.add(new CellEvent(seq + 1, event));
            previous = TrailVerifier.sha256Hex(payload);
        }
        return run;
    }

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
