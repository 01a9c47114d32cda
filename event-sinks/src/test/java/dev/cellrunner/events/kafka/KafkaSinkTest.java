package dev.cellrunner.events.kafka;

import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.TestRunsAccess;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.events.broker.BrokerSink;
import dev.cellrunner.events.testing.KafkaTestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import dev.cellrunner.events.broker.BrokerFlusher;
import org.junit.jupiter.api.io.TempDir;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Events into a real Kafka broker (KRaft, a child JVM), acknowledged by all replicas, and read back for verify. */
class KafkaSinkTest {
    private static final SigningKey KEY = TestRunsAccess.fixedKey();
    private static final KafkaAccess ACCESS = KafkaAccess.defaults();
    private static KafkaTestBroker broker;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (broker != null) {
            broker.close();
        }
    }

    private static String topic() throws Exception {
        String topic = "cells-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopic(topic, 3);
        return topic;
    }

    @TempDir
    Path dir;

    private BrokerSink sink(String target, boolean binary) throws SinkException {
        return new BrokerSink(new KafkaPublisher(KafkaAddress.parse(target), ACCESS, binary), dir.resolve("spool"),
                Duration.ofSeconds(20), warnings::add);
    }

    private void run(BrokerSink sink, String cellId) throws SinkException {
        try (EventTrail trail = TestRunsAccess.trail(KEY, cellId, sink)) {
            TestRunsAccess.emitRun(trail, 4);
            trail.sync();
        }
    }

    private static TrailVerifier readBack(String target) throws IOException {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        KafkaTrailReader.read(KafkaAddress.parse(target), ACCESS, line -> {
            lines.writeBytes(line);
            lines.write('\n');
        });
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()));
        verifier.read(target, new ByteArrayInputStream(lines.toByteArray()));
        return verifier;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyRunIsAcknowledgedAndEveryChainReadBackFromTheTopicVerifies(boolean binary) throws Exception {
        String target = broker.url(topic());
        for (int i = 0; i < 5; i++) {
            run(sink(target, binary), "cell-" + i);
        }
        assertThat(warnings).isEmpty();
        TrailVerifier verifier = readBack(target);
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).hasSize(5).allSatisfy(v -> {
            assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK);
            assertThat(v.events()).isEqualTo(6);
        });
    }

    @Test
    void theRecordKeyIsTheCellIdSoARunStaysInOnePartitionWithTheBindingsHeaders() throws Exception {
        String topic = topic();
        run(sink(broker.url(topic), false), "cell-keyed");
        run(sink(broker.url(topic), true), "cell-keyed-binary");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (records.size() < 12 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).hasSize(12);
        for (String cell : List.of("cell-keyed", "cell-keyed-binary")) {
            assertThat(records.stream().filter(r -> r.key().equals(cell)).map(ConsumerRecord::partition).distinct())
                    .hasSize(1);
        }
        ConsumerRecord<String, byte[]> structured = records.stream().filter(r -> r.key().equals("cell-keyed")).findFirst().orElseThrow();
        assertThat(new String(structured.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8))
                .startsWith("application/cloudevents+json");
        ConsumerRecord<String, byte[]> binary = records.stream().filter(r -> r.key().equals("cell-keyed-binary")).findFirst().orElseThrow();
        assertThat(new String(binary.headers().lastHeader("ce_specversion").value(), StandardCharsets.UTF_8)).isEqualTo("1.0");
        assertThat(new String(binary.headers().lastHeader("ce_cellid").value(), StandardCharsets.UTF_8)).isEqualTo("cell-keyed-binary");
    }

    /** The broker down for the whole run: bounded by the grace time, nothing lost, flush delivers it once it is back. */
    @Test
    void aBrokerDownForTheWholeRunLosesNothingAndFlushDeliversIt() throws Exception {
        String target = broker.url(topic());
        broker.stopKeepingData();
        try {
            BrokerSink sink = new BrokerSink(new KafkaPublisher(KafkaAddress.parse(target), ACCESS, false),
                    dir.resolve("spool"), Duration.ofSeconds(3), warnings::add);
            long start = System.nanoTime();
            run(sink, "cell-down");
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(12);
            assertThat(warnings).singleElement().asString().contains("6 event(s) not confirmed").contains("cell-runner flush");
        } finally {
            broker.restart();
        }
        var report = new BrokerFlusher(new KafkaPublisher(KafkaAddress.parse(target), ACCESS, false),
                dir.resolve("spool"), Duration.ofSeconds(30)).flush();
        assertThat(report.problems()).isEmpty();
        assertThat(report.delivered()).isEqualTo(6);
        TrailVerifier verifier = readBack(target);
        assertThat(verifier.verdicts()).singleElement()
                .satisfies(v -> assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK));
    }

    @Test
    void addressesTakeServerListsAndRefuseCredentials() {
        assertThat(KafkaAddress.parse("kafka://a:9092,[::1]:9093/cells.events").bootstrap()).isEqualTo("a:9092,[::1]:9093");
        assertThatThrownBy(() -> KafkaAddress.parse("kafka://u:p@a:9092/t")).hasMessageContaining("--kafka-config");
        assertThatThrownBy(() -> KafkaAddress.parse("kafka://a:9092/")).hasMessageContaining("topic");
        assertThatThrownBy(() -> KafkaAddress.parse("kafka://a/t")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> KafkaAddress.parse("kafka://a:1/bad topic")).hasMessageContaining("topic name");
    }
}
