package dev.cellrunner.events.kafka;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One idempotent producer per cluster and configuration for the whole process, shared by every sink (a
 * producer's start costs a metadata round and threads; its idempotence covers all it sends), closed when its
 * last user leaves: a producer kept across a broker restart was seen to stall its next sends past any
 * grace time, where a fresh one recovers at once. Whatever the configuration file says, acks=all and
 * idempotence stay on.
 */
public final class KafkaProducers {
    private record Key(String bootstrap, String config) {
    }

    private static final class Shared {
        final Producer<String, byte[]> producer;
        int users;

        Shared(Producer<String, byte[]> producer) {
            this.producer = producer;
        }
    }

    private static final Map<Key, Shared> OPEN = new HashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(KafkaProducers::closeAll, "kafka-producers-close"));
    }

    private KafkaProducers() {
    }

    /** The process's producer for this cluster and configuration; created on first use. */
    public static Producer<String, byte[]> shared(KafkaAddress address, KafkaAccess access) throws IOException {
        Key key = new Key(address.bootstrap(), String.valueOf(access.config()));
        synchronized (OPEN) {
            Shared shared = OPEN.get(key);
            if (shared == null) {
                shared = new Shared(create(address, access));
                OPEN.put(key, shared);
            }
            shared.users++;
            return shared.producer;
        }
    }

    /** The caller is done with the producer; the last one out closes it. */
    public static void release(Producer<String, byte[]> producer) {
        synchronized (OPEN) {
            OPEN.entrySet().removeIf(entry -> {
                Shared shared = entry.getValue();
                if (shared.producer == producer && --shared.users == 0) {
                    shared.producer.close(Duration.ofSeconds(2));
                    return true;
                }
                return false;
            });
        }
    }

    private static void closeAll() {
        synchronized (OPEN) {
            OPEN.values().forEach(shared -> shared.producer.close(Duration.ofSeconds(2)));
            OPEN.clear();
        }
    }

    private static Producer<String, byte[]> create(KafkaAddress address, KafkaAccess access) throws IOException {
        Properties config = access.clientProperties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, address.bootstrap());
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "cell-runner");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0");
        int request = (int) access.requestTimeout().toMillis();
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(request));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Math.max(30_000, request * 2)));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(access.connectTimeout().toMillis()));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try {
            return new KafkaProducer<>(config);
        } catch (RuntimeException e) {
            throw new IOException("cannot create a Kafka producer for " + address.bootstrap() + ": " + e.getMessage(), e);
        }
    }
}
