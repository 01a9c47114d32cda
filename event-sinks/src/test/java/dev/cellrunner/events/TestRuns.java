package dev.cellrunner.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Signed runs made through the real EventTrail, for tests. */
final class TestRuns {
    static final Ed25519Key KEY = Ed25519Key.fromSeed(seed(7));

    private TestRuns() {
    }

    static byte[] seed(int first) {
        byte[] seed = new byte[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (byte) (first + i);
        }
        return seed;
    }

    /** Collects what a trail appends. */
    static final class MemorySink implements EventSink {
        final List<CloudEvent> events = new ArrayList<>();

        @Override
        public void append(CloudEvent event, byte[] json) {
            events.add(event);
        }

        @Override
        public void sync() {
        }

        @Override
        public String describe() {
            return "memory";
        }

        @Override
        public void close() {
        }
    }

    static EventTrail trail(SigningKey key, String cellId, EventSink... sinks) {
        RunIdentity run = new RunIdentity("testhost", cellId, UUID.randomUUID().toString(), null);
        return new EventTrail(new CellEventFactory(run, Clock.systemUTC()), new ChainSigner(key), List.of(sinks),
                message -> { });
    }

    /** started, {@code middle} network_policy events, destroyed. */
    static List<CloudEvent> completeRun(SigningKey key, int middle) {
        MemorySink sink = new MemorySink();
        try (EventTrail trail = trail(key, "cell-a", sink)) {
            emitRun(trail, middle);
        } catch (SinkException e) {
            throw new UncheckedIOException(e);
        }
        return sink.events;
    }

    static void emitRun(EventTrail trail, int middle) throws SinkException {
        ObjectNode started = JsonNodeFactory.instance.objectNode();
        started.put("signingKeyId", trail.signingKey().keyId());
        started.put("signingPublicKey", trail.signingKey().publicKey().base64Url());
        trail.emit(EventTypes.STARTED, started);
        for (int i = 0; i < middle; i++) {
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            data.put("n", i);
            data.put("note", "é \u2028 \"quoted\" " + i);
            trail.emit(EventTypes.NETWORK_POLICY, data);
        }
        ObjectNode destroyed = JsonNodeFactory.instance.objectNode();
        destroyed.put("outcome", "succeeded");
        trail.emit(EventTypes.DESTROYED, destroyed);
    }

    static List<String> lines(List<CloudEvent> events) {
        return events.stream().map(e -> new String(EventJson.serialize(e), StandardCharsets.UTF_8)).toList();
    }

    static TrailVerifier verify(String text, Ed25519Key.PublicKey... keys) {
        TrailVerifier verifier = new TrailVerifier(List.of(keys));
        try {
            verifier.read("trail.jsonl", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return verifier;
    }

    /** Checks every event's own signature. */
    static TrailVerifier verifyEvery(String text, Ed25519Key.PublicKey... keys) {
        TrailVerifier verifier = new TrailVerifier(List.of(keys), new TrailVerifier.Options(true, true));
        try {
            verifier.read("trail.jsonl", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return verifier;
    }

    /** The same line with one bit of its DSSE signature flipped: nothing it covers changes. */
    static String flipSignatureBit(String line) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        ObjectNode event = (ObjectNode) json.readTree(line);
        ObjectNode envelope = (ObjectNode) json.readTree(java.util.Base64.getDecoder().decode(event.get("dssematerial").asText()));
        byte[] sig = java.util.Base64.getDecoder().decode(envelope.at("/signatures/0/sig").asText());
        sig[5] ^= 1;
        ((ObjectNode) envelope.at("/signatures/0")).put("sig", java.util.Base64.getEncoder().encodeToString(sig));
        event.put("dssematerial", java.util.Base64.getEncoder().encodeToString(json.writeValueAsBytes(envelope)));
        return json.writeValueAsString(event);
    }

    /**
     * The run rewritten from event {@code from} on as a forger without the key would: {@code edit} applied to
     * that event's data, every digest and chainprev after it recomputed, each envelope signed by another key
     * under the original keyid. Every check but the signatures passes.
     */
    static List<String> forged(List<String> lines, int from, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Ed25519Key forger = Ed25519Key.fromSeed(seed(99));
        List<String> out = new ArrayList<>(lines.subList(0, from));
        String previous = from == 0 ? ChainSigner.NO_PREVIOUS
                : RunLink.payloadDigest(lines.get(from - 1).getBytes(StandardCharsets.UTF_8));
        for (int i = from; i < lines.size(); i++) {
            ObjectNode event = (ObjectNode) json.readTree(lines.get(i));
            if (i == from) {
                edit.accept((ObjectNode) event.get("data"));
            }
            event.put("chainprev", previous);
            Dsse.Envelope original = Dsse.Envelope.parse(java.util.Base64.getDecoder().decode(event.get("dssematerial").asText()));
            List<String> signed = VerificationMaterial.parse(original.payload()).signedExtAttrs();
            byte[] payload = VerificationMaterial.of(TrailEvent.of(event, "forged").content(), signed).toJson();
            ObjectNode envelope = (ObjectNode) json.readTree(Dsse.sign(forger, VerificationMaterial.PAYLOAD_TYPE, payload));
            ((ObjectNode) envelope.at("/signatures/0")).put("keyid", original.signatures().get(0).keyid());
            event.put("dssematerial", java.util.Base64.getEncoder().encodeToString(json.writeValueAsBytes(envelope)));
            out.add(json.writeValueAsString(event));
            previous = java.util.HexFormat.of().formatHex(Digests.sha256(payload));
        }
        return out;
    }

    static String joined(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }
}
