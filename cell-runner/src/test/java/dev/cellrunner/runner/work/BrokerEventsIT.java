package dev.cellrunner.runner.work;

import dev.cellrunner.events.testing.KafkaTestBroker;
import dev.cellrunner.events.testing.NatsTestServer;
import dev.cellrunner.runner.testing.CliFixtures;
import io.nats.client.api.RetentionPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run --events nats://...} and {@code kafka://...} through bin/cell-runner against a real
 * nats-server and a real KRaft Kafka broker: the trail read back with {@code verify nats://} and
 * {@code verify kafka://} is the run's, whole and intact; a broker down for the whole run loses
 * nothing and {@code flush} delivers it.
 */
class BrokerEventsIT {
    private static NatsTestServer nats;
    private static KafkaTestBroker kafka;
    private Cli cli;

    @BeforeAll
    static void brokers() throws Exception {
        nats = NatsTestServer.start();
        nats.createStream("CELL_EVENTS", RetentionPolicy.Limits, "cells.events.>");
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopBrokers() throws Exception {
        if (nats != null) {
            nats.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void scratch() throws Exception {
        cli = new Cli();
    }

    @AfterEach
    void clean() throws Exception {
        cli.close();
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** The same run's events in the JSONL trail and read back from the broker, by event id. */
    private void assertSameTrail(Path jsonl, String target) throws Exception {
        Cli.Result verified = cli.run("verify", "verify", target);
        assertThat(verified.status()).as("intact, origin not proven (no --key): " + verified).isEqualTo(3);
        assertThat(verified.stdout()).contains(": ok, 6 events, chain intact");
        Cli.Result local = cli.run("verify-local", "verify", jsonl.toString());
        assertThat(local.status()).as("intact, origin not proven (no --key): " + local).isEqualTo(3);
        List<String> ids = CliFixtures.events(jsonl).stream().map(e -> e.path("id").asText()).toList();
        assertThat(ids).hasSize(6);
        assertThat(verified.stdout().lines().filter(l -> l.contains(": ok,")).count()).isEqualTo(1);
        String runId = CliFixtures.events(jsonl).get(0).path("data").path("runId").asText();
        assertThat(verified.stdout()).contains("run " + runId);
    }

    @Test
    void aRunsEventsGoToJetStreamAndVerifyReadsThemBackFromTheStream() throws Exception {
        for (String mode : List.of("structured", "binary")) {
            String target = nats.url("cells.events." + unique());
            Path jsonl = cli.scratch.resolve("trail-" + mode + ".jsonl");
            Cli.Result run = cli.run("run-" + mode, "run", cli.document("/usr/bin/true").toString(),
                    "--events", target, "--events", "jsonl:" + jsonl, "--events-mode", mode);
            assertThat(run.status()).as(run.toString()).isZero();
            assertThat(run.stderr()).doesNotContain("not confirmed");
            assertSameTrail(jsonl, target);
        }
    }

    @Test
    void aRunsEventsGoToKafkaAndVerifyReadsThemBackFromTheTopic() throws Exception {
        for (String mode : List.of("structured", "binary")) {
            String topic = "cells-" + unique();
            kafka.createTopic(topic, 3);
            Path jsonl = cli.scratch.resolve("trail-" + mode + ".jsonl");
            Cli.Result run = cli.run("run-" + mode, "run", cli.document("/usr/bin/true").toString(),
                    "--events", kafka.url(topic), "--events", "jsonl:" + jsonl, "--events-mode", mode);
            assertThat(run.status()).as(run.toString()).isZero();
            assertThat(run.stderr()).doesNotContain("not confirmed");
            assertSameTrail(jsonl, kafka.url(topic));
        }
    }

    @Test
    void aJetStreamServerDownForTheWholeRunLosesNothingAndFlushDeliversTheTrail() throws Exception {
        try (NatsTestServer later = NatsTestServer.start()) {
            later.createStream("LATER", RetentionPolicy.Limits, "later.>");
            String target = later.url("later.events");
            later.stopKeepingStore();
            Path spool = cli.scratch.resolve("spool");
            Cli.Result run = cli.run("run-down", "run", cli.document("/usr/bin/true").toString(), "--events", target,
                    "--spool-dir", spool.toString());
            assertThat(run.status()).as("the cell ran; its events wait in the spool: " + run).isZero();
            assertThat(run.stderr()).contains("6 event(s) not confirmed").contains("cannot connect")
                    .contains("cell-runner flush --events " + target);
            Cli.Result unreachable = cli.run("verify-down", "verify", target);
            assertThat(unreachable.status()).as(unreachable.toString()).isEqualTo(74);
            later.restart();
            Cli.Result flush = cli.run("flush", "flush", "--events", target, "--spool-dir", spool.toString());
            assertThat(flush.status()).as(flush.toString()).isZero();
            assertThat(flush.stdout()).contains("delivered 6, still spooled 0");
            Cli.Result verified = cli.run("verify", "verify", target);
            assertThat(verified.status()).as("intact, origin not proven (no --key): " + verified).isEqualTo(3);
            assertThat(verified.stdout()).contains(": ok, 6 events, chain intact");
        }
    }

    @Test
    void badBrokerTargetsAreRefusedBeforeAnythingRuns() throws Exception {
        Path cell = cli.document("/usr/bin/true");
        for (List<String> args : List.of(
                List.of("--events", "nats://127.0.0.1:4222/cells.*"),
                List.of("--events", "nats://user:pw@127.0.0.1:4222/cells.x"),
                List.of("--events", "kafka://127.0.0.1/topic"),
                List.of("--events", kafka.url("t"), "--events-mode", "batch"))) {
            String[] full = new String[args.size() + 2];
            full[0] = "run";
            full[1] = cell.toString();
            for (int i = 0; i < args.size(); i++) {
                full[i + 2] = args.get(i);
            }
            Cli.Result result = cli.run("bad", full);
            assertThat(result.status()).as(args + ": " + result).isEqualTo(64);
            assertThat(result.stderr()).doesNotContain("pw@");
        }
    }
}
