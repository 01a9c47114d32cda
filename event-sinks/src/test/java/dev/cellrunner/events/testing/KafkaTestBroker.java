package dev.cellrunner.events.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker in KRaft mode (broker and controller in one process), from Maven Central's server
 * artifacts on the test classpath, run as a child JVM so its threads and memory stay out of the test's.
 * Its ports are free ports found at start (retried if another suite takes one first); its data lives
 * under target/ and is removed on close.
 */
public final class KafkaTestBroker implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Watched process;

    private KafkaTestBroker(Watched process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Stops the broker as an outage would; its data stays for {@link #restart()}. */
    public void stopKeepingData() {
        process.close();
    }

    /** The same broker back, on the same ports and data. */
    public void restart() throws Exception {
        process = Watched.start(java(dir.resolve("log4j2.properties"), "kafka.Kafka", dir.resolve("server.properties").toString()),
                dir.toFile(), dir.resolve("server.log").toFile());
        awaitUp(process);
    }

    private void awaitUp(Watched started) throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline) && started.alive()) {
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                NatsTestServer.sleep(200);
            }
        }
        throw new IOException("the Kafka broker did not start: " + Files.readString(dir.resolve("server.log")));
    }

    public static KafkaTestBroker start() throws Exception {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce();
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private static KafkaTestBroker startOnce() throws Exception {
        Path dir = Path.of("target", "kafka", "broker-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(dir);
        int port = freePort();
        int controller = freePort();
        Properties config = new Properties();
        config.setProperty("process.roles", "broker,controller");
        config.setProperty("node.id", "1");
        config.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controller);
        config.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller);
        config.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        config.setProperty("controller.listener.names", "CONTROLLER");
        config.setProperty("inter.broker.listener.name", "PLAINTEXT");
        config.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.setProperty("log.dirs", dir.resolve("data").toString());
        config.setProperty("num.partitions", "3");
        config.setProperty("offsets.topic.replication.factor", "1");
        config.setProperty("offsets.topic.num.partitions", "3");
        config.setProperty("transaction.state.log.replication.factor", "1");
        config.setProperty("transaction.state.log.min.isr", "1");
        config.setProperty("group.initial.rebalance.delay.ms", "0");
        config.setProperty("share.coordinator.state.topic.replication.factor", "1");
        config.setProperty("share.coordinator.state.topic.min.isr", "1");
        Path properties = dir.resolve("server.properties");
        try (var out = Files.newOutputStream(properties)) {
            config.store(out, "test broker");
        }
        Path log4j = dir.resolve("log4j2.properties");
        try (InputStream in = KafkaTestBroker.class.getResourceAsStream("/kafka/log4j2.properties")) {
            Files.copy(in, log4j, StandardCopyOption.REPLACE_EXISTING);
        }
        Path log = dir.resolve("server.log");
        Process format = new ProcessBuilder(java(log4j, "kafka.tools.StorageTool", "format", "-t",
                Uuid.randomUuid().toString(), "-c", properties.toString(), "--ignore-formatted"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IOException("formatting the Kafka storage failed: " + Files.readString(log));
        }
        Watched process = Watched.start(java(log4j, "kafka.Kafka", properties.toString()), dir.toFile(), log.toFile());
        KafkaTestBroker broker = new KafkaTestBroker(process, dir, port);
        try {
            broker.awaitUp(process);
            return broker;
        } catch (Exception e) {
            broker.close();
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    private static List<String> java(Path log4j, String main, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Dlog4j2.configurationFile=" + log4j, "-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        return command;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** {@code kafka://127.0.0.1:PORT/topic} */
    public String url(String topic) {
        return "kafka://" + bootstrap() + "/" + topic;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    /** What an operator does once. */
    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException {
        process.close();
        NatsTestServer.deleteTree(dir);
    }
}
