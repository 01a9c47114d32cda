package dev.cellrunner.events.http;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How events reach one HTTP receiver. {@code requestTimeout} bounds one request; {@code grace} bounds how
 * long the end of a run may wait for delivery before the rest is left in the spool; retries back off
 * exponentially from {@code backoffBase} to {@code backoffMax} with jitter, and a Retry-After is honoured
 * up to {@code retryAfterMax}. {@code tls} is null for the JDK's default trust. {@code payload}: CloudEvents,
 * or their OCSF records.
 */
public record HttpSinkSettings(URI endpoint, HttpMode mode, Duration requestTimeout, Duration grace,
                               int maxAttempts, Duration backoffBase, Duration backoffMax, Duration retryAfterMax,
                               int batchSize, Path spoolDir, SSLContext tls, HttpPayload payload) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

    public HttpSinkSettings {
        String scheme = endpoint.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("an HTTP event sink needs an http:// or https:// URL with a host");
        }
        if (payload == HttpPayload.OCSF && mode == HttpMode.BINARY) {
            throw new IllegalArgumentException("OCSF records are posted as JSON arrays: use structured or batch mode, not binary");
        }
        if (maxAttempts < 1 || batchSize < 1) {
            throw new IllegalArgumentException("maxAttempts and batchSize must be at least 1");
        }
    }

    public static HttpSinkSettings defaults(URI endpoint, HttpMode mode, Path spoolDir) {
        return new HttpSinkSettings(endpoint, mode, DEFAULT_REQUEST_TIMEOUT, DEFAULT_GRACE, 6,
                Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30), 100, spoolDir, null,
                HttpPayload.CLOUDEVENTS);
    }

    public HttpSinkSettings withTimeouts(Duration requestTimeout, Duration grace) {
        return new HttpSinkSettings(endpoint, mode, requestTimeout, grace, maxAttempts, backoffBase, backoffMax,
                retryAfterMax, batchSize, spoolDir, tls, payload);
    }

    public HttpSinkSettings withRetries(int maxAttempts, Duration backoffBase, Duration backoffMax, Duration retryAfterMax) {
        return new HttpSinkSettings(endpoint, mode, requestTimeout, grace, maxAttempts, backoffBase, backoffMax,
                retryAfterMax, batchSize, spoolDir, tls, payload);
    }

    public HttpSinkSettings withTls(SSLContext tls) {
        return new HttpSinkSettings(endpoint, mode, requestTimeout, grace, maxAttempts, backoffBase, backoffMax,
                retryAfterMax, batchSize, spoolDir, tls, payload);
    }

    public HttpSinkSettings withPayload(HttpPayload payload) {
        return new HttpSinkSettings(endpoint, mode, requestTimeout, grace, maxAttempts, backoffBase, backoffMax,
                retryAfterMax, batchSize, spoolDir, tls, payload);
    }

    /** The endpoint without user info, query or fragment, which may hold credentials: safe to print. */
    public String describe() {
        return redacted(endpoint) + (payload == HttpPayload.OCSF ? " (OCSF)" : "");
    }

    static String redacted(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null ? "" : uri.getRawPath())
                + (uri.getRawQuery() != null || uri.getRawUserInfo() != null ? " (credentials hidden)" : "");
    }
}
