package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.http.HttpMode;
import dev.cellrunner.events.http.HttpPayload;
import dev.cellrunner.events.http.HttpSink;
import dev.cellrunner.events.http.HttpSinkSettings;
import dev.cellrunner.events.http.SpoolFlusher;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OCSF sinks write every record of every recorded event, valid, whole, in order; over HTTP as JSON arrays. */
class OcsfSinksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Posted(String contentType, JsonNode body) {
    }

    private static List<String> recordedLines() throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonNode event : OcsfMappingTest.recordedEvents()) {
            lines.add(event.toString());
        }
        return lines;
    }

    private static List<JsonNode> expectedRecords() throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (JsonNode event : OcsfMappingTest.recordedEvents()) {
            for (JsonNode record : OcsfMapper.map(event)) {
                records.add(JSON.readTree(record.toString())); // as a reader of the text sees it
            }
        }
        return records;
    }

    private static void feed(EventSink sink) throws IOException {
        for (String line : recordedLines()) {
            byte[] json = line.getBytes(StandardCharsets.UTF_8);
            CloudEvent event = EventJson.deserialize(json);
            sink.append(event, json);
        }
        sink.sync();
        sink.close();
    }

    private static void assertAllValid(List<JsonNode> records) {
        for (JsonNode record : records) {
            assertThat(OcsfMappingTest.VALIDATOR.validate(record).errors()).as("%s", record).isEmpty();
        }
    }

    @Test
    void theJsonlSinkWritesEveryRecordAsAWholeLine() throws IOException {
        Path file = dir.resolve("trail.ocsf.jsonl");
        OcsfJsonlSink sink = new OcsfJsonlSink(file);
        assertThat(sink.describe()).isEqualTo("ocsf-jsonl:" + file);
        feed(sink);
        List<JsonNode> written = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            written.add(JSON.readTree(line));
        }
        assertThat(written).isEqualTo(expectedRecords());
        assertAllValid(written);
        assertThat(Files.readString(file)).endsWith("}\n");
    }

    @Test
    void httpPostsTheRecordsAsJsonArraysStructuredOrBatched() throws Exception {
        for (HttpMode mode : List.of(HttpMode.STRUCTURED, HttpMode.BATCH)) {
            List<Posted> posted = new CopyOnWriteArrayList<>();
            HttpServer server = receiver(posted, 200);
            try {
                feed(new HttpSink(settings(server.getAddress().getPort(), mode), w -> { }));
            } finally {
                server.stop(0);
            }
            List<JsonNode> received = new ArrayList<>();
            for (Posted p : posted) {
                assertThat(p.contentType()).isEqualTo("application/json");
                assertThat(p.body().isArray()).isTrue();
                p.body().forEach(received::add);
            }
            assertThat(received).as(mode.name()).isEqualTo(expectedRecords());
            assertAllValid(received);
            if (mode == HttpMode.STRUCTURED) {
                assertThat(posted).hasSize(recordedLines().size());
            } else {
                assertThat(posted.size()).isLessThan(recordedLines().size());
            }
        }
    }

    @Test
    void recordsAReceiverRefusedStayInTheSpoolAndFlushDeliversThem() throws Exception {
        int port = freePort();
        HttpSinkSettings settings = settings(port, HttpMode.BATCH)
                .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(500))
                .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(10));
        List<String> warnings = new CopyOnWriteArrayList<>();
        feed(new HttpSink(settings, warnings::add));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("--events-format ocsf"));

        List<Posted> posted = new CopyOnWriteArrayList<>();
        HttpServer server = receiver(posted, 200, port);
        try {
            // the run's short grace made it give up; the flush gets time of its own
            SpoolFlusher.Report report = new SpoolFlusher(settings.withTimeouts(Duration.ofSeconds(2),
                    Duration.ofSeconds(30))).flush();
            assertThat(report.problems()).isEmpty();
            assertThat(report.kept()).isZero();
            assertThat(report.delivered()).isEqualTo(recordedLines().size());
        } finally {
            server.stop(0);
        }
        List<JsonNode> received = new ArrayList<>();
        posted.forEach(p -> p.body().forEach(received::add));
        assertThat(received).isEqualTo(expectedRecords());
        // CloudEvents for the same URL have a spool of their own: a plain flush finds nothing of these
        HttpSinkSettings cloudEvents = settings.withPayload(HttpPayload.CLOUDEVENTS);
        assertThat(new SpoolFlusher(cloudEvents).flush().delivered()).isZero();
    }

    @Test
    void binaryModeCannotCarryOcsf() {
        assertThatThrownBy(() -> settings(9, HttpMode.BINARY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not binary");
    }

    @Test
    void anEventThatCannotBeMappedIsASinkFailureNotASilentGap() throws IOException {
        OcsfJsonlSink sink = new OcsfJsonlSink(dir.resolve("x.jsonl"));
        String line = recordedLines().get(0).replaceFirst("\"runid\":\"[^\"]*\",", "").replaceFirst("\"runId\":\"[^\"]*\",", "");
        byte[] json = line.getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> sink.append(EventJson.deserialize(json), json))
                .isInstanceOf(SinkException.class).hasMessageContaining("cannot map event");
        sink.close();
    }

    private HttpSinkSettings settings(int port, HttpMode mode) {
        return HttpSinkSettings.defaults(URI.create("http://127.0.0.1:" + port + "/ocsf"), mode, dir.resolve("spool"))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(60)) // a loaded machine delivers slowly
                .withPayload(HttpPayload.OCSF);
    }

    private static HttpServer receiver(List<Posted> posted, int status) throws IOException {
        return receiver(posted, status, 0);
    }

    private static HttpServer receiver(List<Posted> posted, int status, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.createContext("/ocsf", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            posted.add(new Posted(exchange.getRequestHeaders().getFirst("Content-Type"), JSON.readTree(body)));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
