package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cellrunner.conformance.harness.CellEvent;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.Trail;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** CONTRACT.md §5 HTTP sink: CloudEvents HTTP binding, retries, spool; no event dropped silently. */
@ContractSection("§5 sinks: HTTP")
@ExtendWith(HarnessExtension.class)
class HttpSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A CloudEvents receiver on 127.0.0.1 that answers 503 to the first {@code failures} requests. */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger requests = new AtomicInteger();

        Receiver(int failures) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/events", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                int status = requests.incrementAndGet() <= failures ? 503 : 202;
                if (status == 202) {
                    JsonNode parsed = JSON.readTree(body);
                    if (parsed.isArray()) {
                        parsed.forEach(events::add);
                    } else {
                        events.add(parsed);
                    }
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    @DisplayName("every event reaches an HTTP receiver, in order, the same events as the JSONL trail")
    void eventsReachTheReceiver(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        try (Receiver receiver = new Receiver(0)) {
            List<String> delivered = runWithHttp(h, receiver.url(), receiver);
            assertThat(delivered).isNotEmpty().isEqualTo(ids(Trail.read(h.file("local.jsonl")).events()));
        }
    }

    @Test
    @DisplayName("503 answers are retried until every event is delivered")
    void retriesAfterFailures(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        try (Receiver receiver = new Receiver(2)) {
            List<String> delivered = runWithHttp(h, receiver.url(), receiver);
            assertThat(receiver.requests.get()).as("requests, the first two answered 503").isGreaterThan(2);
            assertThat(delivered).isNotEmpty().containsExactlyInAnyOrderElementsOf(ids(Trail.read(h.file("local.jsonl")).events()));
        }
    }

    @Test
    @DisplayName("an unreachable receiver: every event is spooled to --spool-dir, none dropped")
    void unreachableReceiverSpools(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Path spool = h.file("spool");
        Path spec = h.writeSpec(Spec.cell("crconf-http-spool", "/usr/bin/true"));
        RunResult result = h.call(RunnerCall.of("run", "--events", "http://127.0.0.1:" + closedPort + "/events",
                "--spool-dir", spool.toString(), "--events", "jsonl:" + h.file("local.jsonl"), spec.toString())
                .limit(Duration.ofSeconds(120)));

        List<String> local = ids(Trail.read(h.file("local.jsonl")).events());
        assertThat(local).as(result.describe()).isNotEmpty();
        String spooled = readTree(spool);
        assertThat(local).as("event ids found in the spool directory %s", spool).allMatch(spooled::contains);
    }

    private static List<String> runWithHttp(Harness h, String url, Receiver receiver) {
        Path spec = h.writeSpec(Spec.cell("crconf-http", "/usr/bin/true"));
        RunResult result = h.call(RunnerCall.of("run", "--events", url, "--events", "jsonl:" + h.file("local.jsonl"),
                spec.toString()).limit(Duration.ofSeconds(120)));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        synchronized (receiver.events) {
            return receiver.events.stream().map(e -> e.path("id").asText()).toList();
        }
    }

    private static List<String> ids(List<CellEvent> events) {
        return events.stream().map(e -> e.json().path("id").asText()).toList();
    }

    private static String readTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "";
        }
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                all.append(Files.readString(file)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toString();
    }
}
