package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test host on this machine: a network namespace named {@code crconf-*} joined to the host by a veth
 * pair, holding {@link #peerAddress()} (TEST-NET-3) with TCP listeners that count their connections.
 * The host reaches it through {@link #hostAddress()} in the same /30; whether a cell reaches it is the
 * runner's egress to prove. The /30 is leased from {@link TestNetLease}, so suites running at once on
 * one host never share one. Closing it deletes the namespace (and with it the veth pair).
 */
public final class TestNetHost implements AutoCloseable {
    private final String namespace;
    private final String hostLink;
    private final Path output;
    private final TestNetLease lease;
    private Process listener;

    private TestNetHost(String suffix, Path output, TestNetLease lease) {
        this.namespace = "crconf-" + suffix;
        this.hostLink = "crc" + suffix + "h";
        this.output = output;
        this.lease = lease;
    }

    /** Creates the namespace and link and starts listeners on the given TCP ports. */
    public static TestNetHost create(Harness h, int... tcpPorts) {
        String suffix = h.marker().substring("crconf-".length(), "crconf-".length() + 6);
        TestNetHost host = new TestNetHost(suffix, h.file("testnet-" + suffix + ".out"), TestNetLease.take());
        try {
            host.build(tcpPorts);
            return host;
        } catch (RuntimeException | Error e) {
            host.close();
            throw e;
        }
    }

    private void build(int[] tcpPorts) {
        String peerLink = hostLink.substring(0, hostLink.length() - 1) + "p";
        ip("netns", "add", namespace);
        ip("link", "add", hostLink, "type", "veth", "peer", "name", peerLink);
        ip("link", "set", peerLink, "netns", namespace);
        ip("addr", "add", hostAddress() + "/30", "dev", hostLink);
        ip("link", "set", hostLink, "up");
        ip("-n", namespace, "addr", "add", peerAddress() + "/30", "dev", peerLink);
        ip("-n", namespace, "link", "set", peerLink, "up");
        ip("-n", namespace, "link", "set", "lo", "up");
        ip("-n", namespace, "route", "add", "default", "via", hostAddress());
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
                ProcessHandle.current().info().command().orElse("java"), "-cp", testClasses(),
                CountingListener.class.getName(), peerAddress()));
        for (int port : tcpPorts) {
            command.add(Integer.toString(port));
        }
        try {
            listener = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the test host's listener", e);
        }
        Await.until(Duration.ofSeconds(20), "the test host's listener in " + namespace, () -> read().contains("listening"));
        for (int port : tcpPorts) {
            proveReachableFromHost(port);
        }
    }

    /** The test host's own address, which cells try to reach. */
    public String peerAddress() {
        return lease.peerAddress();
    }

    /** The host's end of the link to the test host. */
    public String hostAddress() {
        return lease.hostAddress();
    }

    /** Connections accepted on the port so far. */
    public long accepted(int port) {
        return read().lines().filter(l -> l.equals("accept " + port)).count();
    }

    /** The test host's UDP counters (/proc/net/snmp inside its namespace), e.g. "NoPorts" and "InDatagrams". */
    public long udpCounter(String name) {
        String snmp = run(List.of("ip", "netns", "exec", namespace, "cat", "/proc/net/snmp"));
        List<String> udp = snmp.lines().filter(l -> l.startsWith("Udp:")).toList();
        List<String> names = List.of(udp.get(0).split("\\s+"));
        return Long.parseLong(udp.get(1).split("\\s+")[names.indexOf(name)]);
    }

    private void proveReachableFromHost(int port) {
        long before = accepted(port);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(peerAddress(), port), 3000);
        } catch (IOException e) {
            throw new AssertionError("the test host " + peerAddress() + ":" + port + " is not reachable from the host: " + e);
        }
        Await.until(Duration.ofSeconds(5), "the test host to count the host's probe", () -> accepted(port) > before);
    }

    private String read() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String testClasses() {
        try {
            return Path.of(CountingListener.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        run(command);
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(20, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError("test host setup failed: " + String.join(" ", command) + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + " (iproute2) to build the test host: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.descendants().forEach(ProcessHandle::destroyForcibly);
            listener.destroyForcibly();
        }
        try {
            new ProcessBuilder("ip", "netns", "del", namespace).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(20, TimeUnit.SECONDS);
            new ProcessBuilder("ip", "link", "del", hostLink).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(20, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lease.close();
        }
    }
}
