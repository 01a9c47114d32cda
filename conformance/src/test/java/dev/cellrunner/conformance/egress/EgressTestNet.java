package dev.cellrunner.conformance.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunnerUnderTest;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The egress tests' own little network, all in namespaces with a per-run prefix so that parallel test
 * runs and the machine's real network are never touched:
 * <pre>
 *   [runner "host" ns egtXXXXh] egtXXXXa ---- egtXXXXb [test hosts ns egtXXXXt]
 *     198.51.100.1/24 192.0.2.254/24            198.51.100.10, .11 /24, 192.0.2.1, .53 /24
 *     2001:db8::1/64, echo server on :7100      2001:db8::10, ::11 /64, echo servers on 7000-7003
 * </pre>
 * The runner under test runs inside the "host" namespace (nsenter --net, nothing else changes), so its
 * veths, routes, nft tables and forwarding switches land there, where the tests can check that they
 * are gone afterwards. 192.0.2.1 is reachable from that host on purpose: the cell must still not reach it.
 */
final class EgressTestNet implements AutoCloseable {
    static final int ECHO = 7000;
    static final int OTHER = 7001;
    static final int ECHO_UDP = 7002;
    static final int OTHER_UDP = 7003;
    static final int HOST_LISTENER = 7100;
    /** The DNS fixture's address among the test hosts (see {@link #dns}). */
    static final String DNS_SERVER = "198.51.100.53";
    static final ObjectMapper JSON = new ObjectMapper();

    final String prefix = "egt" + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    final String hostNs = prefix + "h";
    final String hostsNs = prefix + "t";
    final Path work;
    final Path root;
    /** The runner under test (see {@link RunnerUnderTest}): the same cases judge any implementation. */
    final Path runner;
    private final List<Process> servers = new ArrayList<>();
    private DnsZone dns;

    private EgressTestNet() throws IOException {
        work = Files.createTempDirectory(prefix + "-");
        RunnerUnderTest underTest = RunnerUnderTest.fromEnvironment();
        root = underTest.repositoryRoot();
        runner = underTest.executable();
    }

    /** Skips with the reason printed where this machine cannot host the test network. */
    static void assumeAvailable() {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            reason = "the egress tests create network namespaces and need root";
        } else {
            for (String tool : List.of("ip", "nft", "nsenter", "bash")) {
                if (Path.of("/usr/sbin", tool).toFile().canExecute() || Path.of("/usr/bin", tool).toFile().canExecute()) {
                    continue;
                }
                reason = tool + " is not installed";
            }
        }
        if (reason != null) {
            System.out.println("SKIP: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIP: " + reason);
    }

    static EgressTestNet create() throws Exception {
        EgressTestNet net = new EgressTestNet();
        try {
            net.build();
            return net;
        } catch (Exception | AssertionError e) {
            net.close();
            throw e;
        }
    }

    private void build() throws Exception {
        String a = prefix + "a";
        String b = prefix + "b";
        sh("ip", "netns", "add", hostNs);
        sh("ip", "netns", "add", hostsNs);
        sh("ip", "-n", hostNs, "link", "set", "lo", "up");
        sh("ip", "-n", hostsNs, "link", "set", "lo", "up");
        sh("ip", "-n", hostNs, "link", "add", a, "type", "veth", "peer", "name", b, "netns", hostsNs);
        for (String address : List.of("198.51.100.1/24", "192.0.2.254/24")) {
            sh("ip", "-n", hostNs, "addr", "add", address, "dev", a);
        }
        sh("ip", "-n", hostNs, "addr", "add", "2001:db8::1/64", "dev", a, "nodad");
        sh("ip", "-n", hostNs, "link", "set", a, "up");
        for (String address : List.of("198.51.100.10/24", "198.51.100.11/24", DNS_SERVER + "/24", "192.0.2.1/24",
                "192.0.2.53/24")) {
            sh("ip", "-n", hostsNs, "addr", "add", address, "dev", b);
        }
        for (String address : List.of("2001:db8::10/64", "2001:db8::11/64")) {
            sh("ip", "-n", hostsNs, "addr", "add", address, "dev", b, "nodad");
        }
        sh("ip", "-n", hostsNs, "link", "set", b, "up");
        startEchoServer(hostsNs, ECHO, OTHER, ECHO_UDP, OTHER_UDP);
        startEchoServer(hostNs, HOST_LISTENER);
    }

    private void startEchoServer(String namespace, int... ports) throws IOException {
        List<String> arguments = new ArrayList<>();
        for (int port : ports) {
            arguments.add(Integer.toString(port));
        }
        startServer(namespace, EgressEchoServer.class, arguments);
    }

    /**
     * The DNS fixture among the test hosts at {@link #DNS_SERVER} (started on first use): its zone file,
     * which the test writes, and the log of every query that reached it.
     */
    synchronized DnsZone dns() throws IOException {
        if (dns == null) {
            Path zone = work.resolve("dns-zone");
            Path queries = work.resolve("dns-queries");
            Files.writeString(zone, "");
            Files.writeString(queries, "");
            startServer(hostsNs, DnsFixture.class, List.of(DNS_SERVER, zone.toString(), queries.toString()));
            dns = new DnsZone(zone, queries);
        }
        return dns;
    }

    record DnsZone(Path zone, Path queries) {
        void write(String records) throws IOException {
            // the fixture notices a change by time and size: a new size is enough within one millisecond
            Files.writeString(zone, records + "\n".repeat(1 + (int) (System.nanoTime() % 7)));
        }

        /** "name type transport" of each query that reached the fixture. */
        List<String> received() throws IOException {
            return Files.readAllLines(queries);
        }
    }

    private void startServer(String namespace, Class<?> main, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + namespace,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m", "-cp",
                classpathOf(main), main.getName()));
        command.addAll(arguments);
        Process server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        servers.add(server);
        byte[] ready = new byte[6];
        int n = server.getInputStream().readNBytes(ready, 0, ready.length);
        assertThat(new String(ready, 0, n, StandardCharsets.US_ASCII)).as(main.getSimpleName() + " in " + namespace)
                .isEqualTo("ready\n");
    }

    private static String classpathOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A directory a cell may write (declare it with {@link EgressCellRun#writable}), apart from the trails. */
    Path cellDir(String name) throws IOException {
        Path dir = Files.createDirectories(work.resolve("cell-" + name));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    /** {@code keygen --out DIR}: the private key file and the public one ("pub" in its name). */
    KeyFiles keygen(String name) throws IOException {
        Path dir = work.resolve(name);
        Result keygen = exec(List.of(runner.toString(), "keygen", "--out", dir.toString()), Map.of(), null, 60);
        assertThat(keygen.exitCode()).as("keygen: " + keygen.stderr()).isZero();
        try (var files = Files.list(dir)) {
            List<Path> all = files.sorted().toList();
            Path pub = all.stream().filter(f -> f.getFileName().toString().contains("pub")).findFirst().orElseThrow();
            Path key = all.stream().filter(f -> !f.equals(pub)).findFirst().orElseThrow();
            return new KeyFiles(key, pub);
        }
    }

    /** {@code verify --key PUB TRAIL} of the runner under test. */
    Result verify(Path trail, KeyFiles keys) throws IOException {
        return exec(List.of(runner.toString(), "verify", "--key", keys.publicKey().toString(), trail.toString()),
                Map.of(), null, 60);
    }

    /** Runs a command in the runner's host namespace (or anywhere, for ip -n); returns stdout. */
    String inHost(String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + hostNs));
        full.addAll(List.of(command));
        return sh(full.toArray(String[]::new));
    }

    static String sh(String... command) throws IOException {
        Result result = exec(List.of(command), Map.of(), null, 30);
        if (result.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + result.exitCode() + "): " + result.stderr());
        }
        return result.stdout();
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result exec(List<String> command, Map<String, String> env, String stdin, int timeoutSeconds) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Path out = Files.createTempFile("egt-out", ".txt");
        Path err = Files.createTempFile("egt-err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Nothing the runner adds is left in its host namespace, and nothing of it leaked into the real host. */
    void assertNoLeftovers(List<String> runnerNames) throws IOException {
        List<String> links = new ArrayList<>();
        for (JsonNode link : JSON.readTree(sh("ip", "-n", hostNs, "-j", "link", "show"))) {
            links.add(link.path("ifname").asText());
        }
        assertThat(links).as("interfaces left in the runner's host namespace").containsExactlyInAnyOrder("lo", prefix + "a");
        String routes = sh("ip", "-n", hostNs, "route", "show") + sh("ip", "-n", hostNs, "-6", "route", "show");
        assertThat(routes).as("routes left in the runner's host namespace").doesNotContain("dev cr", "198.18.", "fdc3:");
        assertThat(inHost("nft", "list", "tables")).as("nft tables left in the runner's host namespace").isBlank();
        assertThat(inHost("cat", "/proc/sys/net/ipv4/ip_forward").trim()).as("ipv4 forwarding").isEqualTo("0");
        assertThat(inHost("cat", "/proc/sys/net/ipv6/conf/all/forwarding").trim()).as("ipv6 forwarding").isEqualTo("0");
        String realLinks = sh("ip", "-br", "link", "show");
        String realTables = sh("nft", "list", "tables");
        for (String name : runnerNames) {
            assertThat(realLinks).as("the real host's interfaces").doesNotContain(name);
            assertThat(realTables).as("the real host's nft tables").doesNotContain(name);
        }
    }

    @Override
    public void close() throws IOException {
        for (Process server : servers) {
            server.getOutputStream().close();
            server.destroy();
        }
        for (String namespace : List.of(hostNs, hostsNs)) {
            exec(List.of("ip", "netns", "del", namespace), Map.of(), null, 30);
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
