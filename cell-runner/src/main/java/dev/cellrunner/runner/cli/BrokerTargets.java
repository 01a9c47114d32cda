package dev.cellrunner.runner.cli;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.broker.BrokerFlusher;
import dev.cellrunner.events.broker.BrokerSink;
import dev.cellrunner.events.http.HttpMode;
import dev.cellrunner.events.http.SpoolFlusher;
import dev.cellrunner.events.kafka.KafkaAccess;
import dev.cellrunner.events.kafka.KafkaAddress;
import dev.cellrunner.events.kafka.KafkaPublisher;
import dev.cellrunner.events.kafka.KafkaTrailReader;
import dev.cellrunner.events.nats.NatsAccess;
import dev.cellrunner.events.nats.NatsAddress;
import dev.cellrunner.events.nats.NatsPublisher;
import dev.cellrunner.events.nats.NatsTrailReader;
import dev.cellrunner.runner.work.RunRecords;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code nats://} and {@code kafka://} event targets. The broker clients' classes are loaded only from
 * here, so a runner given neither kind of target never loads them (nor pays for it at start).
 */
final class BrokerTargets {
    private BrokerTargets() {
    }

    static boolean isBroker(String target) {
        return NatsAddress.isNats(target) || KafkaAddress.isKafka(target);
    }

    /** Checks an address and the options that apply to it; a bad one is an IllegalArgumentException (exit 64). */
    static void check(String target, HttpEventOptions http) {
        if (NatsAddress.isNats(target)) {
            NatsAddress.subject(target);
        } else {
            KafkaAddress.parse(target);
        }
        if (HttpMode.parse(http.mode) == HttpMode.BATCH) {
            throw new IllegalArgumentException("--events-mode batch is for HTTP receivers; " + target
                    + " takes structured or binary");
        }
    }

    static EventSink open(String target, HttpEventOptions http, BrokerOptions brokers, Map<String, String> env,
                          Consumer<String> log) throws SinkException {
        return new BrokerSink(publisher(target, http, brokers), http.spoolDir(env), Duration.ofMillis(http.graceMs), log);
    }

    static SpoolFlusher.Report flush(String target, HttpEventOptions http, BrokerOptions brokers, Map<String, String> env)
            throws IOException {
        check(target, http);
        return new BrokerFlusher(publisher(target, http, brokers), http.spoolDir(env), Duration.ofMillis(http.graceMs)).flush();
    }

    /** What a cell must not read: the credentials or client configuration the target uses. */
    static List<Path> secretFiles(String target, BrokerOptions brokers) {
        List<Path> files = new ArrayList<>();
        if (NatsAddress.isNats(target)) {
            if (brokers.natsCredentials != null) {
                files.add(brokers.natsCredentials);
            }
            if (brokers.natsCa != null) {
                files.add(brokers.natsCa);
            }
        } else if (brokers.kafkaConfig != null) {
            files.add(brokers.kafkaConfig);
        }
        return files;
    }

    /**
     * The trail held by a NATS subject's stream or a Kafka topic, as the bytes a JSONL file would hold,
     * read as it is consumed (memory stays flat).
     */
    static InputStream trail(String target, BrokerOptions brokers) throws IOException {
        Duration timeout = Duration.ofMillis(HttpEventOptions.DEFAULT_TIMEOUT_MS);
        if (NatsAddress.isNats(target)) {
            NatsAddress address = NatsAddress.subject(target);
            NatsAccess access = natsAccess(timeout, brokers);
            return TrailStream.of(out -> NatsTrailReader.read(address, access, line -> writeLine(out, line)), target);
        }
        KafkaAddress address = KafkaAddress.parse(target);
        KafkaAccess access = kafkaAccess(timeout, brokers);
        return TrailStream.of(out -> KafkaTrailReader.read(address, access, line -> writeLine(out, line)), target);
    }

    /** The trail of an event target read from a time on: what a worker looks its runs up in. */
    static RunRecords.Trail trailSince(String target, BrokerOptions brokers) {
        Duration timeout = Duration.ofMillis(HttpEventOptions.DEFAULT_TIMEOUT_MS);
        if (NatsAddress.isNats(target)) {
            NatsAddress address = NatsAddress.subject(target);
            NatsAccess access = natsAccess(timeout, brokers);
            return new RunRecords.Trail() {
                @Override
                public void read(Instant since, RunRecords.LineSink lines) throws IOException {
                    NatsTrailReader.read(address, access, since, lines::accept);
                }

                @Override
                public String describe() {
                    return address.describe();
                }
            };
        }
        KafkaAddress address = KafkaAddress.parse(target);
        KafkaAccess access = kafkaAccess(timeout, brokers);
        return new RunRecords.Trail() {
            @Override
            public void read(Instant since, RunRecords.LineSink lines) throws IOException {
                KafkaTrailReader.read(address, access, since, lines::accept);
            }

            @Override
            public String describe() {
                return address.describe();
            }
        };
    }

    private static void writeLine(OutputStream out, byte[] line) throws IOException {
        out.write(line);
        out.write('\n');
    }

    static NatsAccess natsAccess(HttpEventOptions http, BrokerOptions brokers) {
        return natsAccess(Duration.ofMillis(http.requestTimeoutMs), brokers);
    }

    static NatsAccess natsAccess(Duration requestTimeout, BrokerOptions brokers) {
        return NatsAccess.defaults().withCredentials(brokers.natsCredentials, brokers.natsCa)
                .withTimeouts(NatsAccess.DEFAULT_CONNECT_TIMEOUT, requestTimeout);
    }

    static KafkaAccess kafkaAccess(HttpEventOptions http, BrokerOptions brokers) {
        return kafkaAccess(Duration.ofMillis(http.requestTimeoutMs), brokers);
    }

    static KafkaAccess kafkaAccess(Duration requestTimeout, BrokerOptions brokers) {
        return KafkaAccess.defaults().withConfig(brokers.kafkaConfig)
                .withTimeouts(KafkaAccess.DEFAULT_CONNECT_TIMEOUT, requestTimeout);
    }

    private static BrokerSink.Publisher publisher(String target, HttpEventOptions http, BrokerOptions brokers) {
        boolean binary = HttpMode.parse(http.mode) == HttpMode.BINARY;
        return NatsAddress.isNats(target)
                ? new NatsPublisher(NatsAddress.subject(target), natsAccess(http, brokers), binary)
                : new KafkaPublisher(KafkaAddress.parse(target), kafkaAccess(http, brokers), binary);
    }
}
