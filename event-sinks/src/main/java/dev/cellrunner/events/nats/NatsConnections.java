package dev.cellrunner.events.nats;

import dev.cellrunner.events.http.TrustedCertificates;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * One connection per server and credentials for the whole process, shared by every sink, reader and
 * worker that needs it, and kept when its last user leaves: a resident runner's cells, one after the
 * other, do not each pay for a connection. Closed when the process exits. The client's own error log is
 * silenced: callers report what failed, once.
 */
public final class NatsConnections {
    private record Key(String server, String credentials, String trustedCertificates) {
    }

    private static final class Shared {
        final Connection connection;

        Shared(Connection connection) {
            this.connection = connection;
        }
    }

    private static final Map<Key, Shared> OPEN = new HashMap<>();
    private static final ThreadFactory DAEMON = runnable -> {
        Thread thread = new Thread(runnable, "nats");
        thread.setDaemon(true);
        return thread;
    };

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(NatsConnections::closeAll, "nats-connections-close"));
    }

    private NatsConnections() {
    }

    /** The process's connection to this server with these credentials; connects on first use. */
    public static Connection shared(NatsAddress address, NatsAccess access) throws IOException {
        Key key = new Key(address.server(), String.valueOf(access.credentials()), String.valueOf(access.trustedCertificates()));
        synchronized (OPEN) {
            Shared shared = OPEN.get(key);
            if (shared == null || shared.connection.getStatus() == Connection.Status.CLOSED) {
                shared = new Shared(connect(address, access));
                OPEN.put(key, shared);
            }
            return shared.connection;
        }
    }

    private static void closeAll() {
        synchronized (OPEN) {
            OPEN.values().forEach(shared -> closeQuietly(shared.connection));
            OPEN.clear();
        }
    }

    private static Connection connect(NatsAddress address, NatsAccess access) throws IOException {
        Options.Builder options = Options.builder()
                .server(address.server())
                .connectionName("cell-runner")
                .connectionTimeout(access.connectTimeout())
                .maxReconnects(-1)
                // the connection is kept for the process's life: its threads must not keep a JVM alive
                .executor(Executors.newCachedThreadPool(DAEMON))
                .scheduledExecutor(Executors.newScheduledThreadPool(1, DAEMON))
                .connectThreadFactory(DAEMON)
                .callbackThreadFactory(DAEMON)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection connection, String error) {
                    }

                    @Override
                    public void exceptionOccurred(Connection connection, Exception exp) {
                    }
                });
        if (access.credentials() != null) {
            if (!Files.isRegularFile(access.credentials()) || !Files.isReadable(access.credentials())) {
                throw new IOException("NATS credentials file " + access.credentials() + " is not a readable file");
            }
            options.authHandler(Nats.credentials(access.credentials().toString()));
        }
        if (access.trustedCertificates() != null) {
            options.sslContext(TrustedCertificates.fromPem(access.trustedCertificates()));
        } else if (address.tls()) {
            try {
                options.secure();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no TLS here: " + e.getMessage(), e);
            }
        }
        try {
            return Nats.connect(options.build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + address.server(), e);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot connect to " + address.server() + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
