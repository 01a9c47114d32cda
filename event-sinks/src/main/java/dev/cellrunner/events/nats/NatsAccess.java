package dev.cellrunner.events.nats;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach a NATS server beyond its address: a credentials file (a user JWT with its NKey seed, as
 * nsc writes it), a PEM file of certificates to trust for TLS (TLS is then on),
 * how long connecting may take, and how long one JetStream request (a PubAck, a consumer call) may take.
 */
public record NatsAccess(Path credentials, Path trustedCertificates, Duration connectTimeout, Duration requestTimeout) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    public static NatsAccess defaults() {
        return new NatsAccess(null, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    public NatsAccess withCredentials(Path credentials, Path trustedCertificates) {
        return new NatsAccess(credentials, trustedCertificates, connectTimeout, requestTimeout);
    }

    public NatsAccess withTimeouts(Duration connectTimeout, Duration requestTimeout) {
        return new NatsAccess(credentials, trustedCertificates, connectTimeout, requestTimeout);
    }
}
