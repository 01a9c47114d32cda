package dev.cellrunner.runner.dns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.ocsf.OcsfMapper;
import dev.cellrunner.events.ocsf.OcsfSchema;
import dev.cellrunner.events.ocsf.OcsfValidator;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.testing.CliFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OCSF from a real run of a cell with a name rule: the runner runs in a network namespace of the test's
 * own ("host"), with {@link FakeUpstream} on its loopback as {@code --dns-upstream}, and a test host in a
 * second namespace at 198.51.100.10 (echo server on 7000) and .11 (undeclared). The cell asks for a
 * declared and an undeclared name, talks to the answered address and tries the undeclared one. Every
 * record of {@code ocsf-jsonl:} and of {@code export --format ocsf} of the signed trail validates against
 * OCSF 1.8.0, and the query, the flow and the denial are there with their class and disposition.
 * <pre>
 *   [runner ns ocnXXXXh] ocnXXXXa 198.51.100.1/24 ---- ocnXXXXb [test host ns ocnXXXXt] 198.51.100.10, .11 /24
 *     fake upstream on 127.0.0.1                                 echo server on 198.51.100.10:7000
 * </pre>
 */
class OcsfNamesIT {
    private static final String V4 = "198.51.100.10";
    private static final String V4_UNDECLARED = "198.51.100.11";
    private static final int ECHO = 7000;
    private static final OcsfValidator VALIDATOR = new OcsfValidator(OcsfSchema.load(OcsfMapper.SCHEMA_VERSION));

    private final String prefix = "ocn" + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    private final String hostNs = prefix + "h";
    private final String testHostNs = prefix + "t";
    private final List<AutoCloseable> servers = new ArrayList<>();
    private Path dir;

    @BeforeEach
    void testNetwork() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SKIP: network namespaces need root");
        dir = Files.createTempDirectory(prefix + "-");
        sh("ip", "netns", "add", hostNs);
        sh("ip", "netns", "add", testHostNs);
        sh("ip", "-n", hostNs, "link", "set", "lo", "up");
        sh("ip", "-n", testHostNs, "link", "set", "lo", "up");
        sh("ip", "-n", hostNs, "link", "add", prefix + "a", "type", "veth", "peer", "name", prefix + "b",
                "netns", testHostNs);
        sh("ip", "-n", hostNs, "addr", "add", "198.51.100.1/24", "dev", prefix + "a");
        sh("ip", "-n", hostNs, "link", "set", prefix + "a", "up");
        for (String address : List.of(V4 + "/24", V4_UNDECLARED + "/24")) {
            sh("ip", "-n", testHostNs, "addr", "add", address, "dev", prefix + "b");
        }
        sh("ip", "-n", testHostNs, "link", "set", prefix + "b", "up");
    }

    @AfterEach
    void removeTestNetwork() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
        for (String namespace : List.of(hostNs, testHostNs)) {
            new ProcessBuilder("ip", "netns", "del", namespace).start().waitFor(30, TimeUnit.SECONDS);
        }
        if (dir != null) {
            CliFixtures.deleteTree(dir);
        }
    }

    @Test
    void aRealRunWithANameGivesValidDnsAndNetworkActivityForTheQueryTheFlowAndTheDenial() throws Exception {
        FakeUpstream upstream = inNamespace(hostNs, FakeUpstream::new);
        servers.add(upstream);
        upstream.add("echo.ocsf.test", DnsMessage.Record.address(DnsMessage.Name.of("echo.ocsf.test"), 60,
                InetAddress.getByName(V4).getAddress()));
        ServerSocket echo = inNamespace(testHostNs, () -> new ServerSocket(ECHO, 8, InetAddress.getByName(V4)));
        servers.add(echo);
        Thread echoing = new Thread(() -> echo(echo), "ocsf-echo");
        echoing.setDaemon(true);
        echoing.start();

        Path keys = dir.resolve("keys");
        assertThat(runner(List.of(CliFixtures.launcher().toString(), "keygen", "--out", keys.toString())).status).isZero();
        ObjectNode document = CliFixtures.cell("ocsf-names-", "/bin/bash", "-c", String.join("\n",
                "echo GETENT $(getent ahostsv4 echo.ocsf.test | head -1 | cut -d' ' -f1)",
                "exec 3<>/dev/tcp/echo.ocsf.test/" + ECHO + " && echo ping >&3 && echo \"ECHO $(timeout 3 head -c 4 <&3)\"",
                "exec 3>&-",
                "getent hosts undeclared.ocsf.example || echo UNDECLARED_NOT_ANSWERED",
                "timeout 3 bash -c 'exec 3<>/dev/tcp/" + V4_UNDECLARED + "/" + ECHO + "' 2>/dev/null || echo REFUSED",
                "sleep 0.6")); // the records are read every 0.5 s and once more at the end
        document.with("spec").with("authority").putArray("egressRules").addObject()
                .put("host", "*.ocsf.test").put("port", ECHO).put("protocol", "tcp");
        Path spec = Files.writeString(dir.resolve("cell.json"), document.toString());
        Path ocsf = dir.resolve("live.ocsf.jsonl");
        Path trail = dir.resolve("trail.jsonl");
        Run run = runner(List.of("nsenter", "--net=/run/netns/" + hostNs, CliFixtures.launcher().toString(), "run",
                "--signing-key", keys.resolve("event-signing.key").toString(),
                "--dns-upstream", "127.0.0.1:" + upstream.upstream().servers().get(0).getPort(),
                "--events", "jsonl:" + trail, "--events", "ocsf-jsonl:" + ocsf, spec.toString()));
        assertThat(run.status).as(run.err).isZero();
        assertThat(run.out).as(run.err).contains("GETENT " + V4 + "\n", "ECHO ping\n", "UNDECLARED_NOT_ANSWERED\n",
                "REFUSED\n");
        assertThat(upstream.asked).as("what reached the upstream").contains("echo.ocsf.test 1")
                .noneMatch(q -> q.startsWith("undeclared."));

        List<JsonNode> live = CliFixtures.events(ocsf);
        for (JsonNode record : live) {
            assertThat(VALIDATOR.validate(record).errors()).as("OCSF errors of %s", record).isEmpty();
        }
        JsonNode query = find(live, r -> r.path("class_uid").asInt() == 4003
                && r.at("/query/hostname").asText().equals("echo.ocsf.test") && r.at("/query/type").asText().equals("A"));
        assertThat(query.path("disposition_id").asInt()).as("allowed: %s", query).isEqualTo(1);
        assertThat(query.path("rcode").asText()).isEqualTo("NoError");
        assertThat(query.at("/answers/0/rdata").asText()).isEqualTo(V4);
        JsonNode refusedQuery = find(live, r -> r.path("class_uid").asInt() == 4003
                && r.at("/query/hostname").asText().equals("undeclared.ocsf.example"));
        assertThat(refusedQuery.path("disposition_id").asInt()).as("blocked: %s", refusedQuery).isEqualTo(2);
        assertThat(refusedQuery.path("status_detail").asText()).isEqualTo("undeclared");

        JsonNode flow = find(live, r -> r.path("class_uid").asInt() == 4001 && r.path("activity_id").asInt() == 6
                && r.at("/dst_endpoint/ip").asText().equals(V4));
        assertThat(flow.path("disposition_id").asInt()).as("allowed: %s", flow).isEqualTo(1);
        assertThat(flow.at("/dst_endpoint/port").asInt()).isEqualTo(ECHO);
        assertThat(flow.at("/dst_endpoint/hostname").asText()).isEqualTo("echo.ocsf.test");
        assertThat(flow.at("/connection_info/protocol_num").asInt()).isEqualTo(6);
        assertThat(flow.at("/traffic/bytes_in").asLong()).as("the echo came back: %s", flow).isPositive();
        JsonNode denied = find(live, r -> r.path("class_uid").asInt() == 4001 && r.path("activity_id").asInt() == 5
                && r.at("/dst_endpoint/ip").asText().equals(V4_UNDECLARED));
        assertThat(denied.path("disposition_id").asInt()).as("blocked: %s", denied).isEqualTo(2);
        assertThat(denied.at("/dst_endpoint/port").asInt()).isEqualTo(ECHO);
        assertThat(denied.at("/firewall_rule/name").asText()).isEqualTo("reject-tcp");
        for (JsonNode record : List.of(query, refusedQuery, flow, denied)) {
            assertThat(record.at("/metadata/correlation_uid").asText()).isEqualTo(live.get(0).at("/metadata/correlation_uid").asText());
            assertThat(record.at("/actor/process/sandbox").asText()).isEqualTo(document.at("/spec/id").asText());
        }

        Path exported = dir.resolve("exported.ocsf.jsonl");
        Run export = runner(List.of(CliFixtures.launcher().toString(), "export", "--format", "ocsf",
                "--key", keys.resolve("event-signing.pub").toString(), "--out", exported.toString(), trail.toString()));
        assertThat(export.status).as(export.err).isZero();
        assertThat(CliFixtures.events(exported)).as("export of the signed trail gives the same records").isEqualTo(live);
    }

    private static JsonNode find(List<JsonNode> records, Predicate<JsonNode> wanted) {
        return records.stream().filter(wanted).findFirst()
                .orElseThrow(() -> new AssertionError("no such record among " + records));
    }

    /** Runs {@code create} on a fresh thread that has joined the named namespace: its sockets live there. */
    private static <T> T inNamespace(String namespace, Callable<T> create) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            LibC libc = LibC.INSTANCE;
            try {
                int fd = libc.open("/run/netns/" + namespace, Linux.O_RDONLY | Linux.O_CLOEXEC);
                try {
                    libc.setns(fd, Linux.CLONE_NEWNET);
                } finally {
                    libc.close(fd);
                }
                result.complete(create.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "in-" + namespace);
        thread.start();
        return result.get(30, TimeUnit.SECONDS); // the thread ends with its namespace; never reused
    }

    private static void echo(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                byte[] buffer = new byte[64];
                int n = in.read(buffer);
                if (n > 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // closed, or the client went away
            }
        }
    }

    private record Run(int status, String out, String err) {
    }

    private Run runner(List<String> command) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CELLOS_") || k.startsWith("CELL_OS_"));
        builder.environment().putAll(Map.of("XDG_STATE_HOME", dir.resolve("state").toString(),
                "CELL_RUNNER_STATE_DIR", dir.resolve("run").toString()));
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void sh(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
