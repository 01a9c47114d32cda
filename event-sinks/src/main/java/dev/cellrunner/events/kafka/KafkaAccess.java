package dev.cellrunner.events.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * How to reach Kafka beyond its address: a client properties file as Kafka's own tools take it
 * ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}: TLS and credentials), how long a request may
 * take, and how long a send may wait for the cluster's metadata (a fresh producer's first round; it
 * happens on the sink's sender thread, so a run waits for it at most its grace time).
 */
public record KafkaAccess(Path config, Duration requestTimeout, Duration connectTimeout) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public static KafkaAccess defaults() {
        return new KafkaAccess(null, DEFAULT_REQUEST_TIMEOUT, DEFAULT_CONNECT_TIMEOUT);
    }

    public KafkaAccess withConfig(Path config) {
        return new KafkaAccess(config, requestTimeout, connectTimeout);
    }

    public KafkaAccess withTimeouts(Duration connectTimeout, Duration requestTimeout) {
        return new KafkaAccess(config, requestTimeout, connectTimeout);
    }

    /** The operator's client settings; an unreadable file is an error, not an empty configuration. */
    Properties clientProperties() throws IOException {
        Properties properties = new Properties();
        if (config != null) {
            if (!Files.isRegularFile(config)) {
                throw new IOException("Kafka client configuration " + config + " is not a regular file");
            }
            try (Reader in = Files.newBufferedReader(config)) {
                properties.load(in);
            }
        }
        return properties;
    }
}
