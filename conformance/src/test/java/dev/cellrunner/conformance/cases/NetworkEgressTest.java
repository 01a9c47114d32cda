package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.TestNetHost;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** Declared egress (CONTRACT.md §1, §2): exactly the declared host/port/protocol is reachable, nothing else. */
@ContractSection("§2 network egress (CellOS scenarios)")
@ExtendWith(HarnessExtension.class)
class NetworkEgressTest {
    private static final int DECLARED = 18_080;
    private static final int UNDECLARED = 18_081;

    @Test
    @DisplayName("a declared TCP destination on a TEST-NET-3 test host is reachable from the cell; nft rules reported")
    void declaredDestinationReachable(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireNfTables();
        try (TestNetHost host = TestNetHost.create(h, DECLARED)) {
            long before = host.accepted(DECLARED);
            RunResult result = h.run(Spec.cell("crconf-egress-ok", NetworkIsolationTest.tcpConnect(host.peerAddress(), DECLARED))
                    .egress(host.peerAddress(), DECLARED, "tcp"));

            assertThat(result.stdoutText()).as(result.describe()).contains(NetworkIsolationTest.CONNECTED);
            assertThat(host.accepted(DECLARED)).as("connections the test host accepted from the cell").isEqualTo(before + 1);
            JsonNode enforcement = result.trail().data(EventType.NETWORK_ENFORCEMENT);
            assertThat(enforcement.path("nftRulesApplied").asBoolean()).as("nftRulesApplied").isTrue();
            assertThat(enforcement.path("rulesetDigest").isTextual()).as("rulesetDigest %s", enforcement).isTrue();
        }
    }

    @Test
    @DisplayName("a runner in a network namespace where no interface has an address (loopback down) still plans and runs a cell with egress rules")
    void aRunnerInANamespaceWithoutAddressesRunsEgressCells(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireNfTables();
        // TEST-NET-1: never reachable; the cell only has to be planned, set up and run
        RunResult result = h.call(RunnerCall.run(h.writeSpec(Spec.cell("crconf-egress-bare-netns", "/bin/true")
                .egress("192.0.2.1", 443, "tcp"))).wrappedBy("unshare", "--net"));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.trail().data(EventType.NETWORK_ENFORCEMENT).path("nftRulesApplied").asBoolean())
                .as("nftRulesApplied").isTrue();
    }

    @Test
    @DisplayName("an undeclared port of a declared host fails and the host never sees the connection")
    void undeclaredPortFails(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireNfTables();
        try (TestNetHost host = TestNetHost.create(h, DECLARED, UNDECLARED)) {
            long before = host.accepted(UNDECLARED);
            RunResult result = h.run(Spec.cell("crconf-egress-deny", NetworkIsolationTest.tcpConnect(host.peerAddress(), UNDECLARED))
                    .egress(host.peerAddress(), DECLARED, "tcp"));

            // A runner may stop this before any packet leaves (landlock restricts TCP connect to the
            // declared ports), so dropped packets are not required here; the next case requires them.
            NetworkIsolationTest.assertAttemptFailed(result, "a connect to the undeclared port");
            assertThat(host.accepted(UNDECLARED)).as("connections on the undeclared port").isEqualTo(before);
            JsonNode enforcement = result.trail().data(EventType.NETWORK_ENFORCEMENT);
            assertThat(enforcement.path("nftRulesApplied").asBoolean()).as("nftRulesApplied").isTrue();
        }
    }

    @Test
    @DisplayName("an undeclared address on a declared port fails, and network_enforcement reports the dropped packet")
    void undeclaredAddressFailsAndIsCounted(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireNfTables();
        try (TestNetHost host = TestNetHost.create(h, DECLARED)) {
            RunResult result = h.run(Spec.cell("crconf-egress-deny-addr", NetworkIsolationTest.tcpConnect("192.0.2.1", DECLARED))
                    .egress(host.peerAddress(), DECLARED, "tcp"));

            NetworkIsolationTest.assertAttemptFailed(result, "a connect to an undeclared address");
            JsonNode enforcement = result.trail().data(EventType.NETWORK_ENFORCEMENT);
            assertThat(enforcement.path("nftRulesApplied").asBoolean()).as("nftRulesApplied").isTrue();
            assertThat(enforcement.path("droppedPackets").asLong()).as("droppedPackets %s", enforcement).isPositive();
        }
    }

    @Test
    @DisplayName("UDP: a datagram to the declared port arrives at the test host, one to an undeclared port of that host does not; the trail verifies")
    void udpOnlyToTheDeclaredPort(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireNfTables();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        try (TestNetHost host = TestNetHost.create(h)) {
            long before = host.udpCounter("NoPorts") + host.udpCounter("InDatagrams");
            String send = "printf declared > /dev/udp/" + host.peerAddress() + "/15353; sleep 0.5; "
                    + "printf undeclared > /dev/udp/" + host.peerAddress() + "/15354; sleep 0.5";
            RunResult result = h.call(RunnerCall.run(h.writeSpec(Spec.cell("crconf-egress-udp", "/bin/bash", "-c", send)
                    .egress(host.peerAddress(), 15353, "udp"))).signedWith(keys.privateKey()));

            // the declared datagram arriving is the proof that the cell ran and sent both
            long arrived = host.udpCounter("NoPorts") + host.udpCounter("InDatagrams") - before;
            assertThat(arrived).as("datagrams that reached the test host (declared 1 + undeclared 0)\n%s",
                    result.describe()).isEqualTo(1);
            ContractChecks.assertTrailVerifies(h, result.trail().file(), keys.publicKey());
        }
    }
}
