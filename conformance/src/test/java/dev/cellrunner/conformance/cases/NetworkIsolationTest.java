package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.Await;
import dev.cellrunner.conformance.harness.CellHold;
import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.HostListener;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunningRunner;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The CellOS scenarios for a cell without usable egress, checked from inside the cell and from the host. */
@ContractSection("§2 network isolation (CellOS scenarios)")
@ExtendWith(HarnessExtension.class)
class NetworkIsolationTest {
    static final String CONNECTED = "CRCONF-CONNECTED";
    /** Printed by the cell before it tries: without it, a runner that never ran the cell would pass. */
    static final String ATTEMPT = "CRCONF-ATTEMPT";

    /** A bash command that announces the attempt, tries a TCP connect for at most 5 s and prints CONNECTED only if it succeeds. */
    static String[] tcpConnect(String host, int port) {
        return new String[] {"/usr/bin/timeout", "5", "/bin/bash", "-c",
                "echo " + ATTEMPT + "; exec 3<>/dev/tcp/" + host + "/" + port + " && echo " + CONNECTED};
    }

    /** The cell ran and made its attempt, and the attempt failed. */
    static void assertAttemptFailed(RunResult result, String what) {
        assertThat(result.stdoutText()).as("the cell ran and tried %s\n%s", what, result.describe()).contains(ATTEMPT);
        assertThat(result.stdoutText()).as("%s succeeded\n%s", what, result.describe()).doesNotContain(CONNECTED);
        assertThat(result.exitCode()).as("the exit status of %s\n%s", what, result.describe()).isNotZero();
    }

    @Test
    @DisplayName("loopback-only namespace: inside the cell /proc/self/net/dev lists only lo, and the host's view of the cell agrees")
    void loopbackOnlyInsideAndFromTheHost(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Path inside = h.cellFile("inside-net-dev");
        CellHold hold = h.hold("cell");
        Spec spec = Spec.shell("crconf-netdev", "cat /proc/self/net/dev > " + inside + "; " + hold.script()).writable(h.cellDir());
        RunningRunner running = h.start(RunnerCall.run(h.writeSpec(spec)));

        long pid = hold.awaitPid(running);
        List<String> hostView = Proc.netInterfaces(pid);
        String cellNamespace = Proc.netNamespace(pid);
        String hostNamespace = Proc.netNamespace(ProcessHandle.current().pid());
        hold.release();
        RunResult result = running.awaitExit();

        assertThat(hostView).as("interfaces in /proc/%d/net/dev read by the host while the cell runs", pid)
                .containsExactly("lo");
        assertThat(cellNamespace).as("the cell's network namespace (host's is %s)", hostNamespace).isNotEqualTo(hostNamespace);
        assertThat(ContractChecks.interfacesIn(Files.readString(inside))).as("interfaces seen inside the cell")
                .containsExactly("lo");
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.trail().data(EventType.NETWORK_POLICY).path("isolationMode").asText()).isEqualTo("clone_newnet");
    }

    @Test
    @DisplayName("a TCP listener on the host's 127.0.0.1 is unreachable from the cell")
    void hostLoopbackListenerUnreachable(Harness h) {
        Kernel.requireNetworkNamespaces();
        try (HostListener listener = HostListener.on("127.0.0.1")) {
            assertUnreachable(h, listener, "127.0.0.1");
        }
    }

    @Test
    @DisplayName("a connect to TEST-NET-1 (192.0.2.1:80) fails inside the cell")
    void testNet1Unreachable(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.cell("crconf-testnet1", tcpConnect("192.0.2.1", 80)));

        assertAttemptFailed(result, "a connect to 192.0.2.1:80");
        assertThat(result.trail().data(EventType.COMPLETED).path("exitCode").asInt()).isEqualTo(result.exitCode());
    }

    @Test
    @DisplayName("declared egress is reported in network_policy: declaredEgressCount and host/port/protocol in order")
    void declaredEgressReported(Harness h) {
        Kernel.requireNetworkNamespaces();
        Spec spec = Spec.cell("crconf-declared", "/usr/bin/true")
                .egress("198.51.100.10", 443, "tcp")
                .egress("2001:db8::/64", 53, "udp")
                .egress("203.0.113.7", 8443, null);
        RunResult result = h.run(spec);

        assertThat(result.exitCode()).as(result.describe()).isZero();
        JsonNode policy = result.trail().data(EventType.NETWORK_POLICY);
        assertThat(policy.path("declaredEgressCount").asInt()).isEqualTo(3);
        List<String> declared = new ArrayList<>();
        policy.path("declaredEgress").forEach(r ->
                declared.add(r.path("host").asText() + " " + r.path("port").asInt() + " " + r.path("protocol").asText()));
        assertThat(declared).as("declaredEgress host port protocol").containsExactly(
                "198.51.100.10 443 tcp", "2001:db8::/64 53 udp", "203.0.113.7 8443 tcp");
        assertThat(result.trail().data(EventType.NETWORK_ENFORCEMENT).path("declaredEgressRuleCount").asInt()).isEqualTo(3);
    }

    @Test
    @DisplayName("completed and network_enforcement carry the command's exit code")
    void completedCarriesExitCode(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.shell("crconf-exit3", "exit 3"));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(3);
        assertThat(result.trail().data(EventType.COMPLETED).path("exitCode").asInt()).isEqualTo(3);
        assertThat(result.trail().data(EventType.NETWORK_ENFORCEMENT).path("commandExitCode").asInt()).isEqualTo(3);
    }

    /**
     * The cell's connect to the host listener must fail, the listener must have accepted nothing from
     * it, and the signed trail of that run must verify.
     */
    static void assertUnreachable(Harness h, HostListener listener, String address) {
        listener.proveReachableFromHost();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        int before = listener.accepted();
        RunResult result = h.call(RunnerCall.run(h.writeSpec(Spec.cell("crconf-hostlo", tcpConnect(address, listener.port()))))
                .signedWith(keys.privateKey()));

        assertAttemptFailed(result, "a connect to the host's " + address + ":" + listener.port());
        Await.pause(300);
        assertThat(listener.accepted()).as("connections the host listener accepted from the cell").isEqualTo(before);
        ContractChecks.assertTrailVerifies(h, result.trail().file(), keys.publicKey());
    }
}
