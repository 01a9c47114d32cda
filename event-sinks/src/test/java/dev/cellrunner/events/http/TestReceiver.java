package dev.cellrunner.events.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.EventCheck;
import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.TrailEvent;
import dev.cellrunner.events.TrailVerifier;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A CloudEvents receiver on loopback: parses every request back with the SDK (structured, batch or
 * binary), checks each event's signature, and answers with scripted responses (then 202). Delivery is
 * at least once (a request that timed out on the client may still have been processed), so like any
 * CloudEvents consumer it drops repeats by (source, id), and counts them.
 */
final class TestReceiver implements AutoCloseable {
    /** One scripted answer: wait {@code delayMs}, then reply {@code status} with an optional Retry-After. */
    record Reply(int status, String retryAfter, long delayMs) {
    }

    record Request(long atNanos, String contentType, int status) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Ed25519Key.PublicKey key;
    private final Deque<Reply> script = new ConcurrentLinkedDeque<>();
    final List<CloudEvent> accepted = new CopyOnWriteArrayList<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<String> signatureFailures = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.concurrent.atomic.AtomicInteger repeats = new java.util.concurrent.atomic.AtomicInteger();

    private TestReceiver(HttpServer server, Ed25519Key.PublicKey key) {
        this.server = server;
        this.key = key;
        server.createContext("/events", this::handle);
        server.start();
    }

    static TestReceiver start(int port, Ed25519Key.PublicKey key) throws IOException {
        return new TestReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0), key);
    }

    static TestReceiver startTls(SSLContext tls, Ed25519Key.PublicKey key) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new TestReceiver(server, key);
    }

    TestReceiver then(Reply reply) {
        script.addLast(reply);
        return this;
    }

    java.net.URI uri(String scheme) {
        return java.net.URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/events");
    }

    /** Every accepted event, as JSON lines, through the trail verifier: chain and completeness. */
    TrailVerifier verifyAccepted() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (CloudEvent event : accepted) {
            lines.append(new String(EventJson.serialize(event), StandardCharsets.UTF_8)).append('\n');
        }
        TrailVerifier verifier = new TrailVerifier(List.of(key));
        verifier.read("received", new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)));
        return verifier;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Reply reply = script.pollFirst();
            if (reply == null) {
                reply = new Reply(202, null, 0);
            }
            if (reply.delayMs() > 0) {
                sleep(reply.delayMs());
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            requests.add(new Request(System.nanoTime(), contentType, reply.status()));
            if (reply.status() / 100 == 2) {
                for (CloudEvent event : parse(exchange, contentType, body)) {
                    checkSignature(event);
                    if (seen.add(event.getSource() + " " + event.getId())) {
                        accepted.add(event);
                    } else {
                        repeats.incrementAndGet();
                    }
                }
            }
            if (reply.retryAfter() != null) {
                exchange.getResponseHeaders().add("Retry-After", reply.retryAfter());
            }
            exchange.sendResponseHeaders(reply.status(), -1);
        }
    }

    private static List<CloudEvent> parse(HttpExchange exchange, String contentType, byte[] body) throws IOException {
        if (contentType != null && contentType.startsWith("application/cloudevents-batch+json")) {
            List<CloudEvent> events = new ArrayList<>();
            for (JsonNode element : JSON.readTree(body)) {
                events.add(EventJson.deserialize(JSON.writeValueAsBytes(element)));
            }
            return events;
        }
        return List.of(HttpMessageFactory.createReaderFromMultimap(exchange.getRequestHeaders(), body).toEvent());
    }

    private void checkSignature(CloudEvent event) {
        try {
            EventCheck.verify(TrailEvent.parse(EventJson.serialize(event), "http"), List.of(key));
        } catch (EventCheck.Failure | IOException e) {
            signatureFailures.add(event.getId() + ": " + e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
