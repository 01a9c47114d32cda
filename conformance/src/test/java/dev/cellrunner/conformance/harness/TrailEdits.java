package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * What an attacker does to trail lines, computed from the contract's text with the suite's own code:
 * a flipped signature bit, an added attribute, and a forgery that keeps every digest and chain link right
 * but cannot sign with the trusted key.
 */
public final class TrailEdits {
    private TrailEdits() {
    }

    /** The same line with one bit of the first DSSE signature flipped: nothing the signature covers changes. */
    public static String flipSignatureBit(String line) {
        ObjectNode event = object(line);
        ObjectNode envelope = (ObjectNode) parse(Base64.getDecoder().decode(event.path("dssematerial").asText()));
        byte[] sig = Base64.getDecoder().decode(envelope.at("/signatures/0/sig").asText());
        sig[7] ^= 1;
        ((ObjectNode) envelope.at("/signatures/0")).put("sig", Base64.getEncoder().encodeToString(sig));
        event.put("dssematerial", Base64.getEncoder().encodeToString(envelope.toString().getBytes()));
        return event.toString();
    }

    /** The same line with an extension attribute added (in no signature). */
    public static String withAttribute(String line, String name, String value) {
        ObjectNode event = object(line);
        event.put(name, value);
        return event.toString();
    }

    /** Hex SHA-256 of the signed payload of a line (what the next chainprev, or a runprev, names). */
    public static String payloadDigest(String line) {
        return TrailVerifier.sha256Hex(TrailVerifier.signedPayload(object(line)));
    }

    /**
     * The lines of one run rewritten from index {@code from} on: {@code edit} applied to that event's data,
     * every later {@code chainprev} (and {@code runprev}: the run is alone in its file), {@code core} and {@code ext} recomputed, each envelope signed by a key of
     * the forger's under the original {@code keyid}. Only the signatures can tell.
     */
    public static List<String> forged(List<String> run, int from, Consumer<ObjectNode> edit) {
        KeyPair forger;
        try {
            forger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new AssertionError("this JDK cannot make Ed25519 keys", e);
        }
        List<String> out = new ArrayList<>(run.subList(0, from));
        String previous = from == 0 ? "0".repeat(64) : payloadDigest(run.get(from - 1));
        for (int i = from; i < run.size(); i++) {
            ObjectNode event = object(run.get(i));
            if (i == from) {
                edit.accept((ObjectNode) event.get("data"));
            }
            event.put("chainprev", previous);
            if (i > from && event.has(TrailVerifier.RUN_PREV)) {
                event.put(TrailVerifier.RUN_PREV, previous); // the line before it in a file of this run alone
            }
            JsonNode envelope = parse(Base64.getDecoder().decode(event.path("dssematerial").asText()));
            JsonNode material = parse(Base64.getDecoder().decode(envelope.path("payload").asText()));
            List<String> signed = new ArrayList<>();
            material.path("signedextattrs").forEach(n -> signed.add(n.asText()));
            byte[] payload = TrailVerifier.payload(event, signed);
            ObjectNode forgedEnvelope = Trail.JSON.createObjectNode();
            forgedEnvelope.put("payloadType", TrailVerifier.PAYLOAD_TYPE);
            forgedEnvelope.put("payload", Base64.getEncoder().encodeToString(payload));
            ObjectNode signature = forgedEnvelope.putArray("signatures").addObject();
            signature.put("keyid", envelope.at("/signatures/0/keyid").asText());
            signature.put("sig", Base64.getEncoder().encodeToString(sign(forger, payload)));
            event.put("dssematerial", Base64.getEncoder().encodeToString(forgedEnvelope.toString().getBytes()));
            out.add(event.toString());
            previous = TrailVerifier.sha256Hex(payload);
        }
        return out;
    }

    private static byte[] sign(KeyPair key, byte[] payload) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key.getPrivate());
            signer.update(TrailVerifier.pae(TrailVerifier.PAYLOAD_TYPE, payload));
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static ObjectNode object(String line) {
        return (ObjectNode) parse(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static JsonNode parse(byte[] json) {
        try {
            return Trail.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
