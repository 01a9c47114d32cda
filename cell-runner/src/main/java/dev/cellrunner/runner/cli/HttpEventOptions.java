package dev.cellrunner.runner.cli;

import dev.cellrunner.events.http.HttpMode;
import dev.cellrunner.events.http.HttpPayload;
import dev.cellrunner.events.http.HttpSinkSettings;
import dev.cellrunner.events.http.TrustedCertificates;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Options of delivering event sinks (HTTP receivers and, where they apply, NATS and Kafka): mode, spool,
 * TLS trust, timeouts. Shared by {@code run}, {@code serve}, {@code worker} and {@code flush}.
 */
final class HttpEventOptions {
    static final String MODE = "--events-mode";
    static final String SPOOL_DIR = "--spool-dir";
    static final String CA = "--events-ca";
    static final String TIMEOUT_MS = "--events-timeout-ms";
    static final String GRACE_MS = "--events-grace-ms";
    static final String FORMAT = "--events-format";
    static final long DEFAULT_TIMEOUT_MS = 5000;

    @Option(names = MODE, paramLabel = "MODE",
            description = "CloudEvents content mode: structured (default), batch (HTTP only) or binary.")
    String mode = "structured";

    @Option(names = FORMAT, paramLabel = "FORMAT",
            description = "What HTTP receivers get: cloudevents (default), or ocsf: the events' OCSF 1.8.0 records "
                    + "as JSON arrays (structured or batch mode).")
    String format = "cloudevents";

    @Option(names = SPOOL_DIR, paramLabel = "DIR",
            description = "Where events not yet delivered (HTTP) or confirmed (NATS, Kafka) are kept. Default: "
                    + "${XDG_STATE_HOME:-$HOME/.local/state}/cell-runner/spool")
    Path spoolDir;

    @Option(names = CA, paramLabel = "PEM",
            description = "Trust only the certificate(s) in this PEM file for https:// receivers (e.g. self-signed).")
    Path trustedCertificates;

    @Option(names = TIMEOUT_MS, paramLabel = "MS",
            description = "Timeout of one HTTP request or broker confirmation (default 5000).")
    long requestTimeoutMs = DEFAULT_TIMEOUT_MS;

    @Option(names = GRACE_MS, paramLabel = "MS",
            description = "Longest wait for delivery at the end of a run (or for a flush); what is not "
                    + "delivered by then stays in the spool (default 10000).")
    long graceMs = 10000;

    static boolean isHttp(String target) {
        return target.startsWith("http://") || target.startsWith("https://");
    }

    HttpSinkSettings settings(String target, Map<String, String> env) throws IllegalArgumentException, IOException {
        URI endpoint;
        try {
            endpoint = new URI(target);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("event sink URL is malformed: " + e.getReason());
        }
        if (requestTimeoutMs <= 0 || graceMs < 0) {
            throw new IllegalArgumentException("--events-timeout-ms must be positive and --events-grace-ms not negative");
        }
        HttpSinkSettings settings = HttpSinkSettings.defaults(endpoint, HttpMode.parse(mode), spoolDir(env))
                .withTimeouts(Duration.ofMillis(requestTimeoutMs), Duration.ofMillis(graceMs))
                .withPayload(HttpPayload.parse(format));
        return trustedCertificates == null ? settings : settings.withTls(TrustedCertificates.fromPem(trustedCertificates));
    }

    Path spoolDir(Map<String, String> env) {
        return spoolDir != null ? spoolDir : EventSinkOptions.stateDir(env).resolve("spool");
    }
}
