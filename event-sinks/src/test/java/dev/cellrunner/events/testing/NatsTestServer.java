package dev.cellrunner.events.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;


/**
 * Debian's nats-server with JetStream, on a port the server picks itself (so suites running at once never
 * collide), its store under target/, stopped (and its store removed) on close.
 */
public final class NatsTestServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<String> extraArgs;
    private Watched process;
    private int port;

    private NatsTestServer(Watched process, Path dir, int port, List<String> extraArgs) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** Fails (never skips) where nats-server is missing: scripts/install-deps.sh installs Debian's. */
    public static NatsTestServer start(String... extraArgs) throws IOException {
        Path dir = Path.of("target", "nats", "srv-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        NatsTestServer server = new NatsTestServer(null, dir, -1, List.of(extraArgs));
        server.launch("-1");
        return server;
    }

    /** Starts the server process on {@code port} ("-1": one it picks) over this server's store. */
    private void launch(String wantedPort) throws IOException {
        String binary = onPath("nats-server") ? "nats-server" : "/usr/sbin/nats-server";
        if (!Files.isExecutable(Path.of(binary)) && !onPath(binary)) {
            throw new IOException("nats-server is not installed here: run scripts/install-deps.sh (Debian's nats-server)");
        }
        Files.createDirectories(dir.resolve("ports"));
        try (Stream<Path> old = Files.list(dir.resolve("ports"))) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        List<String> command = new ArrayList<>(List.of(binary, "-js", "-a", "127.0.0.1", "-p", wantedPort,
                "-sd", dir.resolve("store").toString(), "--ports_file_dir", dir.resolve("ports").toString()));
        command.addAll(extraArgs);
        process = Watched.start(command, dir.toFile(), dir.resolve("server.log").toFile());
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            int found = portFromFile(dir.resolve("ports"));
            if (found > 0) {
                port = found;
                return;
            }
            if (!process.alive()) {
                break;
            }
            sleep(50);
        }
        process.close();
        throw new IOException("nats-server did not start: " + Files.readString(dir.resolve("server.log")));
    }

    /** Stops the server as a crash or an outage would; its store stays for {@link #restart()}. */
    public void stopKeepingStore() {
        process.close();
    }

    /** The same server back, on the same port and store. */
    public void restart() throws IOException {
        launch(Integer.toString(port));
    }

    private static int portFromFile(Path portsDir) throws IOException {
        try (Stream<Path> files = Files.list(portsDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".ports")).toList()) {
                JsonNode ports = JSON.readTree(Files.readString(file)).path("nats");
                if (ports.isArray() && !ports.isEmpty()) {
                    String url = ports.get(0).asText();
                    return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException partlyWritten) {
            return -1;
        }
        return -1;
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    /** {@code nats://127.0.0.1:PORT/name} */
    public String url(String name) {
        return "nats://127.0.0.1:" + port + "/" + name;
    }

    public Connection connect() throws IOException {
        return connect(Options.builder());
    }

    public Connection connect(Options.Builder options) throws IOException {
        try {
            return Nats.connect(options.server("nats://127.0.0.1:" + port).connectionTimeout(Duration.ofSeconds(5)).build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** What an operator does once: a file-backed stream of {@code subjects}. */
    public void createStream(String name, RetentionPolicy retention, String... subjects) throws Exception {
        try (Connection connection = connect()) {
            JetStreamManagement management = connection.jetStreamManagement();
            management.addStream(StreamConfiguration.builder().name(name).subjects(subjects)
                    .retentionPolicy(retention).storageType(StorageType.File).build());
        }
    }

    @Override
    public void close() throws IOException {
        process.close();
        deleteTree(dir);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
