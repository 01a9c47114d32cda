package dev.cellrunner.events.kafka;

import dev.cellrunner.events.EventJson;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.kafka.KafkaMessageFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a topic back partition by partition, from its first record to the last one written when reading
 * began, each event as the line a JSONL trail would hold (a run's events share a partition, so each
 * run comes out whole and in order). Joins no consumer group and commits nothing.
 */
public final class KafkaTrailReader {
    /** Takes one line (no newline). */
    public interface Lines {
        void accept(byte[] line) throws IOException;
    }

    private static final Duration STALL = Duration.ofSeconds(15);

    private KafkaTrailReader() {
    }

    public static long read(KafkaAddress address, KafkaAccess access, Lines lines) throws IOException {
        return read(address, access, null, lines);
    }

    /** The same from the first record each partition stored at or after {@code since} (null: from the first). */
    public static long read(KafkaAddress address, KafkaAccess access, Instant since, Lines lines) throws IOException {
        Properties config = access.clientProperties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, address.bootstrap());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(access.requestTimeout().toMillis()));
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(access.requestTimeout().toMillis() * 2));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long read = 0;
        try (Consumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(address.topic());
            if (partitions == null || partitions.isEmpty()) {
                throw new IOException(address.describe() + ": no such topic");
            }
            for (PartitionInfo info : partitions.stream().sorted(Comparator.comparingInt(PartitionInfo::partition)).toList()) {
                TopicPartition partition = new TopicPartition(info.topic(), info.partition());
                consumer.assign(List.of(partition));
                long end = consumer.endOffsets(List.of(partition)).get(partition);
                OffsetAndTimestamp start = since == null ? null
                        : consumer.offsetsForTimes(Map.of(partition, since.toEpochMilli())).get(partition);
                if (since != null && start == null) {
                    continue; // nothing stored in this partition since then
                }
                if (start == null) {
                    consumer.seekToBeginning(List.of(partition));
                } else {
                    consumer.seek(partition, start.offset());
                }
                Instant lastProgress = Instant.now();
                while (consumer.position(partition) < end) {
                    var records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, byte[]> record : records) {
                        if (record.offset() < end) {
                            lines.accept(line(record));
                            read++;
                        }
                    }
                    if (!records.isEmpty()) {
                        lastProgress = Instant.now();
                    } else if (Instant.now().isAfter(lastProgress.plus(STALL))) {
                        throw new IOException(address.describe() + ": partition " + info.partition()
                                + " stopped at offset " + consumer.position(partition) + " of " + end);
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IOException(address.describe() + ": " + e.getMessage(), e);
        }
        return read;
    }

    static byte[] line(ConsumerRecord<String, byte[]> record) {
        byte[] json = record.value() == null ? new byte[0] : record.value().clone();
        try {
            MessageReader reader = KafkaMessageFactory.createReader(record);
            if (reader.getEncoding() == Encoding.BINARY) {
                json = EventJson.serialize(reader.toEvent());
            }
        } catch (RuntimeException notAnEvent) {
            // the value as it is: the verifier reports it
        }
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                json[i] = ' ';
            }
        }
        return json;
    }

}
