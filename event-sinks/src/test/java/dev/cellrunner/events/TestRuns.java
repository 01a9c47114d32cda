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

    static String joined(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }
}
