package dev.cellrunner.conformance.egress;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.ContractSection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.cellrunner.conformance.egress.EgressCellRun.assertProbes;
import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO;
import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO_UDP;
import static dev.cellrunner.conformance.egress.EgressTestNet.HOST_LISTENER;
import static dev.cellrunner.conformance.egress.EgressTestNet.OTHER;
import static dev.cellrunner.conformance.egress.EgressTestNet.OTHER_UDP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 3's cases through the runner under test, real kernel and real nft, against test hosts in
 * namespaces (see {@link EgressTestNet}). After every test nothing of the runner is left.
 */
@ContractSection("§2 network egress: declared destinations on a test network")
class EgressConformanceTest extends EgressNetCase {
    @BeforeEach
    void theTestHostsAnswerTheHost() throws IOException {
        // without this, "unreachable from the cell" would prove nothing
        for (String target : List.of("tcp/" + V4 + "/" + ECHO, "tcp/" + V6 + "/" + ECHO, "tcp/192.0.2.1/" + ECHO,
                "udp/" + V4 + "/" + ECHO_UDP, "tcp/127.0.0.1/" + HOST_LISTENER, "tcp/::1/" + HOST_LISTENER)) {
            assertThat(net.inHost("bash", "-c", "exec 3<>/dev/" + target + "; echo ping >&3; timeout 2 head -c 5 <&3").trim())
                    .as("the host reaches " + target).isEqualTo("ping");
        }
    }

    /** Case 1 and 8. */
    @Test
    void aDeclaredIpv4DestinationWorksAndNothingElseDoesAndTheCountersSaySo() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp")
                .probe("tcp", V4, ECHO).probe("tcp", V4, OTHER).probe("tcp", V4_OTHER, ECHO)
                .then("sleep 0").run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertProbes(outcome, Map.of("tcp " + V4 + " " + ECHO, "ok", "tcp " + V4 + " " + OTHER, "fail",
                "tcp " + V4_OTHER + " " + ECHO, "fail"));
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.path("nftRulesApplied").asBoolean()).isTrue();
        assertThat(enforcement.path("supplementaryEgressFilterActive").asBoolean()).isTrue();
        assertThat(enforcement.path("commandExitCode").asInt(-1)).isZero();
        assertThat(enforcement.path("rulesetDigest").asText()).matches("[0-9a-f]{64}");
        assertThat(enforcement.path("rulesetUnchanged").asBoolean()).isTrue();
        JsonNode declared = enforcement.path("ruleCounters").get(0);
        assertThat(declared.path("rule").asText()).isEqualTo("egressRules[0]");
        assertThat(declared.path("packets").asLong()).as("the declared rule counted the probe").isPositive();
        // The undeclared address reaches nft and is rejected there; the undeclared port is refused by
        // landlock before any packet leaves (ABI 4 and later), else nft rejects it too.
        assertThat(enforcement.path("droppedPackets").asLong()).as("the rejected probes, nothing else").isBetween(1L, 2L);
    }

    /**
     * The kernel announces multicast listening on the uplink when it comes up; that is not the workload
     * trying to reach anything, so it must not show up as a dropped packet (a SIEM alerts on those).
     */
    @Test
    void aCellThatSendsNothingReportsNoDroppedPackets() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp").allow(V6, ECHO, "tcp")
                .then("sleep 1.5").run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.path("droppedPackets").asLong(-1)).as("droppedPackets in %s", enforcement).isZero();
        for (JsonNode counter : enforcement.path("ruleCounters")) {
            if (counter.path("rule").asText().equals("multicast-listener-report")) {
                assertThat(counter.path("verdict").asText()).as("the kernel's listener reports stay inside").isEqualTo("drop");
            }
        }
    }

    /** Case 2. */
    @Test
    void ipv6WorksTheSameAndNeitherFamilyOpensTheOther() throws Exception {
        EgressCellRun.Outcome v6 = new EgressCellRun(net).allow(V6, ECHO, "tcp")
                .probe("tcp", V6, ECHO).probe("tcp", V6, OTHER).probe("tcp", V6_OTHER, ECHO).probe("tcp", V4, ECHO)
                .run();
        record(v6);
        assertProbes(v6, Map.of("tcp " + V6 + " " + ECHO, "ok", "tcp " + V6 + " " + OTHER, "fail",
                "tcp " + V6_OTHER + " " + ECHO, "fail", "tcp " + V4 + " " + ECHO, "fail"));
        EgressCellRun.Outcome v4 = new EgressCellRun(net).allow(V4, ECHO, "tcp").probe("tcp", V6, ECHO)
                .probe("tcp", "::ffff:" + V4, ECHO).run();
        record(v4);
        assertProbes(v4, Map.of("tcp " + V6 + " " + ECHO, "fail", "tcp ::ffff:" + V4 + " " + ECHO, "ok"));
    }

    /** Case 3. */
    @Test
    void udpIsBlockedUnlessDeclared() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp").allow(V4, ECHO_UDP, "udp")
                .allow(V6, ECHO_UDP, "udp")
                .probe("udp", V4, ECHO_UDP).probe("udp", V6, ECHO_UDP).probe("udp", V4, OTHER_UDP)
                .probe("udp", V4, ECHO).run();
        record(outcome);
        assertProbes(outcome, Map.of("udp " + V4 + " " + ECHO_UDP, "ok", "udp " + V6 + " " + ECHO_UDP, "ok",
                "udp " + V4 + " " + OTHER_UDP, "fail", "udp " + V4 + " " + ECHO, "fail"));
    }

    /** Case 4: the cell's 127.0.0.1 is its own; the host's listener and TEST-NET-1 stay out of reach. */
    @Test
    void theHostAndUndeclaredNetworksStayUnreachable() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp").allow(V6, ECHO, "tcp")
                .then("gw4=$(ip route show default | cut -d' ' -f3); gw6=$(ip -6 route show default | cut -d' ' -f3)")
                .then("echo \"GATEWAYS $gw4 $gw6\"")
                .probe("tcp", "127.0.0.1", HOST_LISTENER).probe("tcp", "::1", HOST_LISTENER).probe("tcp", "$gw4", HOST_LISTENER)
                .probe("tcp", "$gw6", HOST_LISTENER).probe("tcp", "198.51.100.1", HOST_LISTENER)
                .probe("tcp", "192.0.2.1", ECHO).probe("tcp", "192.0.2.254", HOST_LISTENER).probe("tcp", V4, ECHO)
                .run();
        record(outcome);
        assertThat(outcome.stdout()).contains("GATEWAYS 198.18.");
        assertThat(outcome.probes()).as(outcome.stdout()).containsEntry("tcp " + V4 + " " + ECHO, "ok")
                .containsEntry("tcp 127.0.0.1 " + HOST_LISTENER, "fail")
                .containsEntry("tcp ::1 " + HOST_LISTENER, "fail")
                .containsEntry("tcp 198.51.100.1 " + HOST_LISTENER, "fail")
                .containsEntry("tcp 192.0.2.1 " + ECHO, "fail")
                .containsEntry("tcp 192.0.2.254 " + HOST_LISTENER, "fail");
        assertThat(outcome.probes().entrySet()).filteredOn(e -> e.getKey().contains("$gw"))
                .isEmpty(); // the script expanded them
        assertThat(outcome.probes().entrySet()).filteredOn(e -> e.getKey().startsWith("tcp 198.18.")
                || e.getKey().startsWith("tcp fdc3:")).hasSize(2).allMatch(e -> e.getValue().equals("fail"));
    }

    /** Case 5. */
    @Test
    void aHostnameRuleIsPinnedToItsAddressesAndReported() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net)
                .hosts(V4 + " echo.egress.test\n" + V6 + " echo.egress.test\n")
                .allow("echo.egress.test", ECHO, "tcp")
                .probe("tcp", V4, ECHO).probe("tcp", V6, ECHO).probe("tcp", V4_OTHER, ECHO).run();
        record(outcome);
        assertProbes(outcome, Map.of("tcp " + V4 + " " + ECHO, "ok", "tcp " + V6 + " " + ECHO, "ok",
                "tcp " + V4_OTHER + " " + ECHO, "fail"));
        JsonNode declared = outcome.data("network_policy").path("declaredEgress").get(0);
        assertThat(declared.path("host").asText()).isEqualTo("echo.egress.test");
        List<String> resolved = new ArrayList<>();
        declared.path("resolved").forEach(a -> resolved.add(a.asText()));
        assertThat(resolved).containsExactlyInAnyOrder(V4, V6);
    }

    @Test
    void aHostnameThatDoesNotResolveOrPointsAtLoopbackIsRefused() throws Exception {
        for (String hosts : List.of("", "127.0.0.1 echo.egress.test\n")) {
            EgressCellRun.Outcome outcome = new EgressCellRun(net).hosts(hosts).allow("echo.egress.test", ECHO, "tcp")
                    .then("echo RAN").run();
            record(outcome);
            assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(69);
            assertThat(outcome.stdout()).doesNotContain("RAN");
            assertThat(outcome.data("network_policy").toString()).contains("echo.egress.test")
                    .containsAnyOf("does not resolve", "leads to the host");
            assertThat(outcome.data("destroyed").path("outcome").asText()).isEqualTo("refused");
        }
    }

    /** Case 6: needs the workload to run without CAP_NET_ADMIN (the confinement work drops it). */
    @Test
    void theWorkloadCannotChangeTheRules() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp")
                .then("export PATH=/usr/sbin:/sbin:$PATH; command -v nft || echo NO-NFT; nft flush ruleset; echo \"FLUSH $?\"")
                .probe("tcp", V4, OTHER).probe("tcp", V4_OTHER, ECHO).probe("tcp", V4, ECHO).run();
        record(outcome);
        assertThat(outcome.stdout()).contains("FLUSH ").doesNotContain("NO-NFT", "FLUSH 0");
        assertProbes(outcome, Map.of("tcp " + V4 + " " + OTHER, "fail", "tcp " + V4_OTHER + " " + ECHO, "fail",
                "tcp " + V4 + " " + ECHO, "ok"));
        assertThat(outcome.data("network_enforcement").path("rulesetUnchanged").asBoolean()).isTrue();
    }

    /**
     * Defence in depth: with the cell's own ruleset gone (removed from outside, as root, while the cell
     * waits), the host-side filter alone still keeps egress to the declared destinations, and the trail
     * shows both the change and the host filter's drops.
     */
    @Test
    void theHostSideFilterHoldsWhenTheCellsRulesetIsGone() throws Exception {
        // the cell's /tmp is its own: the release file is in a directory it is given
        Path given = net.cellDir("host-filter");
        Path release = given.resolve("release-" + System.nanoTime());
        EgressCellRun.Started started = new EgressCellRun(net).allow(V4, ECHO, "tcp").writable(given)
                .then("n=0; while [ ! -e " + release + " ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done")
                .probe("tcp", V4, OTHER).probe("tcp", V4_OTHER, ECHO).probe("tcp", V4, ECHO).start();
        started.awaitEvent("observability.v1.confinement");
        long cell = started.process().descendants().filter(p -> p.info().command().orElse("").endsWith("bash"))
                .findFirst().orElseThrow(() -> new AssertionError("no bash below the runner")).pid();
        String cellNetns = "--net=/proc/" + cell + "/ns/net";
        assertThat(EgressTestNet.sh("nsenter", cellNetns, "nft", "list", "ruleset")).as("the cell's ruleset before")
                .contains("table inet");
        EgressTestNet.sh("nsenter", cellNetns, "nft", "flush", "ruleset");
        assertThat(EgressTestNet.sh("nsenter", cellNetns, "nft", "list", "ruleset")).as("the cell's ruleset after").isBlank();
        Files.writeString(release, "go");

        EgressCellRun.Outcome outcome = started.await();
        record(outcome);
        assertProbes(outcome, Map.of("tcp " + V4 + " " + OTHER, "fail", "tcp " + V4_OTHER + " " + ECHO, "fail",
                "tcp " + V4 + " " + ECHO, "ok"));
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.path("rulesetUnchanged").asBoolean()).as("the trail shows the change: %s", enforcement).isFalse();
        assertThat(enforcement.path("supplementaryDroppedPackets").asLong())
                .as("with the cell's rules gone, the host filter dropped the probes: %s", enforcement).isGreaterThanOrEqualTo(2);
    }

    /** The CellOS scenario: a disallowed destination fails, and network_enforcement records it. */
    @Test
    void disallowedDestinationFailsWithANetworkEnforcementEvent() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp")
                .then("exec 3<>/dev/tcp/" + V4_OTHER + "/" + ECHO + " || exit 7").run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(7);
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.path("commandExitCode").asInt()).isEqualTo(7);
        assertThat(enforcement.path("nftRulesApplied").asBoolean()).isTrue();
        assertThat(enforcement.path("declaredEgressRuleCount").asInt()).isEqualTo(1);
        assertThat(enforcement.path("droppedPackets").asLong()).isPositive();
        assertThat(outcome.data("completed").path("exitCode").asInt()).isEqualTo(7);
    }

    /** Case 7 on the failure paths: a timeout, and nftables missing (fail closed, nothing runs). */
    @Test
    void everythingIsRemovedAfterATimeout() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow(V4, ECHO, "tcp").timeoutMs(1500)
                .then("sleep 30").run();
        record(outcome);
        assertThat(outcome.exitCode()).isEqualTo(124);
        assertThat(outcome.hostInterface()).as("the uplink whose removal is checked afterwards").isNotBlank();
    }

    /** A host without nftables: neither the nft command nor its library (libnftables) is there. */
    @Test
    void withoutNftablesTheCellIsRefusedAndNothingRuns() throws Exception {
        EgressCellRun cell = new EgressCellRun(net).allow(V4, ECHO, "tcp").then("echo RAN");
        EgressCellRun.Invocation invocation = cell.prepare();
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--", "sh", "-c",
                "for d in /usr/sbin /sbin /usr/bin /bin; do [ -e $d/nft ] && mount --bind /dev/null $d/nft; done; "
                        + "for f in $(ldconfig -p | sed -n 's/.*libnftables\\.so.* => //p'); do "
                        + "mount --bind /dev/null \"$(readlink -f \"$f\")\"; done; exec \"$@\"",
                "hide-nftables"));
        command.addAll(invocation.command());
        EgressTestNet.Result result = EgressTestNet.exec(command, invocation.environment(), null, 120);
        EgressCellRun.Outcome outcome = new EgressCellRun.Outcome(result.exitCode(), result.stdout(), result.stderr(),
                EgressCellRun.readEvents(invocation.events()));
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(69);
        assertThat(outcome.stdout()).doesNotContain("RAN");
        assertThat(outcome.data("network_policy").path("enforcement").path("failure").asText())
                .contains("nftables is not installed");
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.path("nftRulesApplied").asBoolean()).isFalse();
        assertThat(enforcement.path("failure").asText()).contains("nftables is not installed");
        assertThat(outcome.data("destroyed").path("outcome").asText()).isEqualTo("refused");
    }

    /** Two cells at once: each reaches its own destination only, and both clean up. */
    @Test
    void twoCellsAtOnceDoNotSeeOrDisturbEachOther() throws Exception {
        EgressCellRun.Started a = new EgressCellRun(net).allow(V4, ECHO, "tcp").then("sleep 1")
                .probe("tcp", V4, ECHO).probe("tcp", V4_OTHER, ECHO).then("ip -br addr").start();
        EgressCellRun.Started b = new EgressCellRun(net).allow(V4_OTHER, ECHO, "tcp").then("sleep 1")
                .probe("tcp", V4, ECHO).probe("tcp", V4_OTHER, ECHO).then("ip -br addr").start();
        EgressCellRun.Outcome first = a.await();
        EgressCellRun.Outcome second = b.await();
        record(first);
        record(second);
        assertProbes(first, Map.of("tcp " + V4 + " " + ECHO, "ok", "tcp " + V4_OTHER + " " + ECHO, "fail"));
        assertProbes(second, Map.of("tcp " + V4 + " " + ECHO, "fail", "tcp " + V4_OTHER + " " + ECHO, "ok"));
        assertThat(first.runnerNames()).doesNotContainAnyElementsOf(second.runnerNames());
        String addressA = first.data("network_policy").path("enforcement").path("uplink").path("cellAddresses").get(0).asText();
        String addressB = second.data("network_policy").path("enforcement").path("uplink").path("cellAddresses").get(0).asText();
        assertThat(addressA).isNotEqualTo(addressB);
    }

    /** A cell without egress rules gets no uplink at all, and still its (closed) ruleset. */
    @Test
    void aCellWithoutEgressRulesGetsNoUplink() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).then("echo LINKS $(ip -o link show | cut -d: -f2)")
                .then("echo ROUTES $(ip route show; ip -6 route show)").probe("tcp", V4, ECHO).probe("tcp", V6, ECHO)
                .run();
        record(outcome);
        assertThat(outcome.stdout()).contains("LINKS lo\n", "ROUTES\n");
        assertProbes(outcome, Map.of("tcp " + V4 + " " + ECHO, "fail", "tcp " + V6 + " " + ECHO, "fail"));
        JsonNode policy = outcome.data("network_policy").path("enforcement");
        assertThat(policy.path("uplink").isNull()).isTrue();
        assertThat(policy.path("nftRulesApplied").asBoolean()).isTrue();
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.path("nftRulesApplied").asBoolean()).isTrue();
        assertThat(enforcement.path("supplementaryEgressFilterActive").asBoolean()).isFalse();
    }
}
