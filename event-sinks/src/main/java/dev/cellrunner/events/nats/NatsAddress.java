package dev.cellrunner.events.nats;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * {@code nats://HOST[:PORT]/NAME} or {@code nats+tls://...}: a server and one name on it (a subject to
 * publish to, or a stream). Credentials never come in the address (they would show in process listings
 * and logs); they come from a credentials file.
 */
public record NatsAddress(String host, int port, boolean tls, String name) {
    public static final int DEFAULT_PORT = 4222;
    private static final Pattern SUBJECT = Pattern.compile("[^.\\s*>]+(\\.[^.\\s*>]+)*");
    private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9_-]{1,255}");

    public static boolean isNats(String target) {
        return target.startsWith("nats://") || target.startsWith("nats+tls://");
    }

    /** An address whose name is a subject to publish to (no wildcards). */
    public static NatsAddress subject(String target) {
        NatsAddress address = parse(target);
        if (!SUBJECT.matcher(address.name).matches()) {
            throw new IllegalArgumentException("'" + address.name + "' is not a NATS subject to publish to "
                    + "(dot-separated tokens, no spaces, no wildcards)");
        }
        return address;
    }

    /** An address whose name is a JetStream stream. */
    public static NatsAddress stream(String target) {
        NatsAddress address = parse(target);
        if (!STREAM.matcher(address.name).matches()) {
            throw new IllegalArgumentException("'" + address.name + "' is not a JetStream stream name "
                    + "(letters, digits, - and _)");
        }
        return address;
    }

    private static NatsAddress parse(String target) {
        if (!isNats(target)) {
            throw new IllegalArgumentException("expected nats://HOST[:PORT]/NAME or nats+tls://HOST[:PORT]/NAME, not '" + target + "'");
        }
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("NATS address is malformed: " + e.getReason());
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("a NATS address takes no user, password, query or fragment; "
                    + "give credentials with --nats-creds FILE");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("NATS address has no host: " + target);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.length() < 2 || path.indexOf('/', 1) >= 0) {
            throw new IllegalArgumentException("NATS address needs one name after the server: nats://HOST:PORT/NAME");
        }
        return new NatsAddress(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(),
                target.startsWith("nats+tls://"), path.substring(1));
    }

    /** The server as the client library takes it. */
    public String server() {
        String host = this.host.contains(":") && !this.host.startsWith("[") ? "[" + this.host + "]" : this.host;
        return (tls ? "tls://" : "nats://") + host + ":" + port;
    }

    /** Safe to print. */
    public String describe() {
        return (tls ? "nats+tls://" : "nats://") + host + ":" + port + "/" + name;
    }
}
