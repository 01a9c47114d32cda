package dev.cellrunner.runner.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Credentials and TLS of NATS and Kafka, from files (never from a document, never in an address): shared
 * by run, serve, worker, enqueue, flush and verify, for event targets and work queues alike.
 */
final class BrokerOptions {
    static final String NATS_CREDS = "--nats-creds";
    static final String NATS_CA = "--nats-ca";
    static final String KAFKA_CONFIG = "--kafka-config";

    @Option(names = NATS_CREDS, paramLabel = "FILE",
            description = "NATS credentials file (a user JWT with its NKey seed, as nsc writes it) for nats:// targets.")
    Path natsCredentials;

    @Option(names = NATS_CA, paramLabel = "PEM",
            description = "TLS to NATS servers, trusting only the certificate(s) in this PEM file (nats+tls:// "
                    + "without it trusts the JDK's default authorities).")
    Path natsCa;

    @Option(names = KAFKA_CONFIG, paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*) for kafka:// targets; "
                    + "acks=all and idempotence stay on whatever it says.")
    Path kafkaConfig;
}
