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

/**
 * One connection per server and credentials for the whole process, shared by every sink, reader and
 * worker that needs it (a resident runner's cells do not each pay for a connection); closed when the
 * last user leaves. The client's own error log is silenced: callers report what failed, once.
 */
public final class NatsConnections {
    private record Key(String server, String credentials, String trustedCertificates) {
    }

    private static final class Shared {
        final Connection connection;
        int users;

        Shared(Connection connection) {
            this.connection = connection;
        }
    }

    private static final Map<Key, Shared> OPEN = new HashMap<>();

    private NatsConnections() {
    }

    /** Connects (or joins the open connection); each call must be matched by {@link #release}. */
    public static Connection acquire(NatsAddress address, NatsAccess access) throws IOException {
        Key key = new Key(address.server(), String.valueOf(access.credentials()), String.valueOf(access.trustedCertificates()));
        synchronized (OPEN) {
            Shared shared = OPEN.get(key);
            if (shared == null || shared.connection.getStatus() == Connection.Status.CLOSED) {
                shared = new Shared(connect(address, access));
                OPEN.put(key, shared);
            }
            shared.users++;
            return shared.connection;
        }
    }

    public static void release(Connection connection) {
        synchronized (OPEN) {
            for (Map.Entry<Key, Shared> entry : OPEN.entrySet()) {
                Shared shared = entry.getValue();
                if (shared.connection == connection && --shared.users == 0) {
                    OPEN.remove(entry.getKey());
                    closeQuietly(connection);
                    return;
                }
            }
        }
    }

    private static Connection connect(NatsAddress address, NatsAccess access) throws IOException {
        Options.Builder options = Options.builder()
                .server(address.server())
                .connectionName("cell-runner")
                .connectionTimeout(access.connectTimeout())
                .maxReconnects(-1)
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
