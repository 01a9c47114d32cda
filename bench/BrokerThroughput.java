import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.broker.BrokerSink;
import dev.cellrunner.events.kafka.KafkaAccess;
import dev.cellrunner.events.kafka.KafkaAddress;
import dev.cellrunner.events.kafka.KafkaPublisher;
import dev.cellrunner.events.nats.NatsAccess;
import dev.cellrunner.events.nats.NatsAddress;
import dev.cellrunner.events.nats.NatsPublisher;
import dev.cellrunner.events.testing.KafkaTestBroker;
import dev.cellrunner.events.testing.NatsTestServer;
import io.nats.client.api.RetentionPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Events per second into NATS JetStream and Kafka, each event counted only once the broker confirmed it
 * (PubAck; acks=all): build + sign + spool + publish + confirm + unspool, through the shipped BrokerSink.
 * Runs of 6 events (started ... destroyed) as cells emit them, one run at a time and RUNS_AT_ONCE runs at
 * once (as a resident runner's cells do), structured mode. Brokers: Debian's nats-server and a KRaft
 * Kafka broker from Maven Central's artifacts, both on loopback, started here. Printed, never asserted.
 * Usage: java -cp CP bench/BrokerThroughput.java [RUNS]
 */
public class BrokerThroughput {
    static final SigningKey KEY = SigningKey.generateEphemeral();
    static final int RUNS_AT_ONCE = 8;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path spool = Files.createTempDirectory("cr-bench-brokers");
        System.out.printf("cell-runner broker throughput (%s cores, java %s, load %s)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Files.readString(Path.of("/proc/loadavg")).trim());
        try (NatsTestServer nats = NatsTestServer.start(); KafkaTestBroker kafka = KafkaTestBroker.start()) {
            nats.createStream("BENCH", RetentionPolicy.Limits, "bench.>");
            kafka.createTopic("bench", 3);
            NatsAddress subject = NatsAddress.subject(nats.url("bench.events"));
            KafkaAddress topic = KafkaAddress.parse(kafka.url("bench"));
            Supplier<BrokerSink.Publisher> natsPublisher = () -> new NatsPublisher(subject, NatsAccess.defaults(), false);
            Supplier<BrokerSink.Publisher> kafkaPublisher = () -> new KafkaPublisher(topic, KafkaAccess.defaults(), false);
            measure("warm-up", natsPublisher, spool, runs / 5, 1);
            measure("warm-up", kafkaPublisher, spool, runs / 5, 1);
            report("NATS JetStream, one run at a time (each event's PubAck awaited in turn)", measure("nats", natsPublisher, spool, runs, 1), runs);
            report("NATS JetStream, " + RUNS_AT_ONCE + " runs at once", measure("nats", natsPublisher, spool, runs, RUNS_AT_ONCE), runs);
            report("Kafka acks=all idempotent, one run at a time", measure("kafka", kafkaPublisher, spool, runs, 1), runs);
            report("Kafka acks=all idempotent, " + RUNS_AT_ONCE + " runs at once", measure("kafka", kafkaPublisher, spool, runs, RUNS_AT_ONCE), runs);
        }
    }

    static void report(String what, double eventsPerSecond, int runs) {
        System.out.printf("%-76s %,9.0f events/s (%d runs of 6)%n", what, eventsPerSecond, runs);
    }

    /** Events per second for {@code runs} complete runs, {@code atOnce} of them concurrently. */
    static double measure(String name, Supplier<BrokerSink.Publisher> publisher, Path spool, int runs, int atOnce)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(atOnce);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            done.add(pool.submit(() -> {
                oneRun(publisher.get(), spool);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return runs * 6 / seconds;
    }

    static void oneRun(BrokerSink.Publisher publisher, Path spool) throws Exception {
        List<String> warnings = new ArrayList<>();
        BrokerSink sink = new BrokerSink(publisher, spool, Duration.ofSeconds(30), warnings::add);
        RunIdentity run = new RunIdentity("bench", "bench-" + UUID.randomUUID(), UUID.randomUUID().toString(), null);
        try (EventTrail trail = new EventTrail(new CellEventFactory(run, Clock.systemUTC()), new ChainSigner(KEY),
                List.of(sink), m -> { })) {
            for (String type : EventTypes.RUN_ORDER) {
                ObjectNode data = JsonNodeFactory.instance.objectNode();
                data.put("n", 1);
                trail.emit(type, data);
            }
            trail.sync();
        }
        if (!warnings.isEmpty() || !sink.allConfirmed()) {
            throw new IllegalStateException("not every event was confirmed: " + warnings);
        }
    }
}
