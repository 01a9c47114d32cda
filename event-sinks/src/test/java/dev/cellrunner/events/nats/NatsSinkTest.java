package dev.cellrunner.events.nats;

import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.TestRunsAccess;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.events.broker.BrokerSink;
import dev.cellrunner.events.testing.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import dev.cellrunner.events.broker.BrokerFlusher;
import org.junit.jupiter.api.io.TempDir;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Events into a real JetStream stream (Debian's nats-server), confirmed, and read back for verify. */
class NatsSinkTest {
    private static final SigningKey KEY = TestRunsAccess.fixedKey();
    private static final NatsAccess ACCESS = NatsAccess.defaults();
    private static NatsTestServer server;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = NatsTestServer.start();
        server.createStream("EVENTS", RetentionPolicy.Limits, "cells.events.>");
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static String subject() {
        return "cells.events." + UUID.randomUUID().toString().substring(0, 8);
    }

    @TempDir
    Path dir;

    private BrokerSink sink(String target, boolean binary, Duration grace) throws SinkException {
        return new BrokerSink(new NatsPublisher(NatsAddress.subject(target), ACCESS, binary), dir.resolve("spool"), grace,
                warnings::add);
    }

    private long spooled() throws IOException {
        if (!Files.exists(dir.resolve("spool"))) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir.resolve("spool"))) {
            return files.filter(f -> f.toString().endsWith(".ce.json")).count();
        }
    }

    private double run(BrokerSink sink) throws SinkException {
        long start = System.nanoTime();
        try (EventTrail trail = TestRunsAccess.trail(KEY, sink)) {
            TestRunsAccess.emitRun(trail, 4);
            trail.sync();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static TrailVerifier readBack(String target) throws IOException {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        NatsTrailReader.read(NatsAddress.subject(target), ACCESS, line -> {
            lines.writeBytes(line);
            lines.write('\n');
        });
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()));
        verifier.read(target, new ByteArrayInputStream(lines.toByteArray()));
        return verifier;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyEventIsConfirmedAndTheTrailReadBackFromTheStreamVerifies(boolean binary) throws Exception {
        String target = server.url(subject());
        run(sink(target, binary, Duration.ofSeconds(10)));
        assertThat(warnings).isEmpty();
        assertThat(spooled()).isZero();
        TrailVerifier verifier = readBack(target);
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).singleElement().satisfies(v -> {
            assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK);
            assertThat(v.events()).isEqualTo(6);
        });
    }

    @Test
    void eachMessageCarriesTheBindingsHeadersAndItsEventIdAsNatsMsgId() throws Exception {
        String subject = subject();
        run(sink(server.url(subject), false, Duration.ofSeconds(10)));
        try (Connection connection = server.connect()) {
            MessageInfo first = connection.jetStreamManagement().getFirstMessage("EVENTS", subject);
            assertThat(first.getHeaders().getFirst("content-type")).isEqualTo("application/cloudevents+json");
            String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(first.getData()).path("id").asText();
            assertThat(first.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo(id);
        }
        String binarySubject = subject();
        run(sink(server.url(binarySubject), true, Duration.ofSeconds(10)));
        try (Connection connection = server.connect()) {
            MessageInfo first = connection.jetStreamManagement().getFirstMessage("EVENTS", binarySubject);
            assertThat(first.getHeaders().getFirst("ce-specversion")).isEqualTo("1.0");
            assertThat(first.getHeaders().getFirst("ce-type")).isEqualTo("dev.cellos.events.cell.lifecycle.v1.started");
            assertThat(first.getHeaders().getFirst("ce-datacontenttype")).isEqualTo("application/json");
            assertThat(first.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo(first.getHeaders().getFirst("ce-id"));
            assertThat(first.getHeaders().getFirst("ce-source")).doesNotContain(" ");
        }
    }

    @Test
    void aResentEventIsDroppedByTheStreamAsADuplicate() throws Exception {
        String subject = subject();
        try (Connection connection = server.connect()) {
            JetStream js = connection.jetStream();
            PublishOptions sameId = PublishOptions.builder().messageId("event-1").build();
            PublishAck first = js.publish(subject, "{}".getBytes(), sameId);
            PublishAck again = js.publish(subject, "{}".getBytes(), sameId);
            assertThat(again.isDuplicate()).isTrue();
            assertThat(again.getSeqno()).isEqualTo(first.getSeqno());
        }
    }

    @Test
    void aSubjectNoStreamHoldsKeepsTheRunInTheSpoolAndSaysWhy() throws Exception {
        String subject = "nobody.listens." + UUID.randomUUID().toString().substring(0, 8);
        run(sink(server.url(subject), false, Duration.ofSeconds(10)));
        assertThat(spooled()).isEqualTo(6);
        assertThat(warnings).singleElement().asString().contains("6 event(s) not confirmed")
                .contains("nobody.listens").contains("cell-runner flush");
    }

    /** The broker down for the whole run: the run is held up no longer than connecting, nothing is lost, flush delivers it. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aServerDownForTheWholeRunLosesNothingAndFlushDeliversItInOrder(boolean binary) throws Exception {
        try (NatsTestServer later = NatsTestServer.start()) {
            later.createStream("LATER", RetentionPolicy.Limits, "later.>");
            String target = later.url("later.events");
            later.stopKeepingStore();
            double seconds = run(sink(target, binary, Duration.ofSeconds(10)));
            assertThat(seconds).isLessThan(NatsAccess.DEFAULT_CONNECT_TIMEOUT.toSeconds() + 3);
            assertThat(spooled()).isEqualTo(6);
            assertThat(warnings).singleElement().asString().contains("cannot connect");
            later.restart();
            BrokerFlusher flusher = new BrokerFlusher(new NatsPublisher(NatsAddress.subject(target), ACCESS, binary),
                    dir.resolve("spool"), Duration.ofSeconds(20));
            var report = flusher.flush();
            assertThat(report.problems()).isEmpty();
            assertThat(report.delivered()).isEqualTo(6);
            assertThat(report.kept()).isZero();
            assertThat(spooled()).isZero();
            TrailVerifier verifier = readBack(target);
            assertThat(verifier.verdicts()).singleElement()
                    .satisfies(v -> assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK));
        }
    }

    @Test
    void addressesRefuseCredentialsWildcardsAndMissingNames() {
        assertThatThrownBy(() -> NatsAddress.subject("nats://user:secret@127.0.0.1:4222/a.b"))
                .hasMessageContaining("--nats-creds").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> NatsAddress.subject("nats://127.0.0.1:4222/a.*")).hasMessageContaining("wildcards");
        assertThatThrownBy(() -> NatsAddress.subject("nats://127.0.0.1:4222/")).hasMessageContaining("one name");
        assertThat(NatsAddress.subject("nats+tls://h/a.b").server()).isEqualTo("tls://h:4222");
        assertThat(NatsAddress.stream("nats://h:1/CELLS").name()).isEqualTo("CELLS");
    }

    @Test
    void binaryHeadersArePercentEncodedAndDecodeBack() {
        String value = "Euro \u20ac \uD83D\uDE00 \"q\" 100%";
        String encoded = NatsEventHeaders.encode(value);
        assertThat(encoded).isEqualTo("Euro%20%E2%82%AC%20%F0%9F%98%80%20%22q%22%20100%25");
        assertThat(NatsEventHeaders.decode(encoded)).isEqualTo(value);
        assertThat(NatsEventHeaders.decode("\"a b\"")).isEqualTo("a b");
        assertThatThrownBy(() -> NatsEventHeaders.decode("%C0")).isInstanceOf(IllegalArgumentException.class);
    }
}
