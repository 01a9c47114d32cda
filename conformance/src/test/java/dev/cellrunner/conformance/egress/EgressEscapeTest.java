package dev.cellrunner.conformance.egress;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.Trail;
import dev.cellrunner.conformance.harness.TrailVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Escape attempts from a cell that has an uplink (it declares some egress), judged where the packets
 * would arrive: the test hosts' namespace counts DNS queries and ICMP echo requests with nft counters,
 * and each case first proves that the host's own attempt is counted. The cell must have made its
 * attempts, nothing may arrive, and the signed trail must verify. The same attempts from a cell without
 * an uplink are in {@code cases.EscapeAttemptsTest}.
 */
@ContractSection("§2 network isolation: escape attempts")
class EgressEscapeTest extends EgressNetCase {
    private static final String RESOLVER = "192.0.2.53";
    private static final String ATTEMPT = "CRCONF-ATTEMPT";
    /** A DNS query for example.org A, as bash's printf writes it. */
    private static final String DNS_QUERY = "\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00"
            + "\\x07example\\x03org\\x00\\x00\\x01\\x00\\x01";
    private static final String COUNTERS = "crconf_arrivals";
    private static final Map<String, String> COUNTED = new LinkedHashMap<>();

    static {
        COUNTED.put("dns-undeclared", "ip daddr " + RESOLVER + " udp dport 53");
        COUNTED.put("dns-declared", "ip daddr " + V4 + " udp dport 53");
        COUNTED.put("udp-declared", "ip daddr " + V4 + " udp dport " + EgressTestNet.ECHO_UDP);
        COUNTED.put("icmp-" + V4_OTHER, "ip daddr " + V4_OTHER + " icmp type echo-request");
        COUNTED.put("icmp-" + V4, "ip daddr " + V4 + " icmp type echo-request");
        COUNTED.put("icmp-" + V6_OTHER, "ip6 daddr " + V6_OTHER + " icmpv6 type echo-request");
        COUNTED.put("icmp-" + V6, "ip6 daddr " + V6 + " icmpv6 type echo-request");
    }

    /** Runs after {@link EgressNetCase#createTestNetwork}. */
    @BeforeAll
    static void countArrivalsAtTheTestHosts() throws Exception {
        StringBuilder table = new StringBuilder("table inet " + COUNTERS + " {\n chain arrivals {\n"
                + "  type filter hook prerouting priority -300; policy accept;\n");
        COUNTED.forEach((name, match) -> table.append("  ").append(match).append(" counter comment \"").append(name)
                .append("\"\n"));
        table.append(" }\n}\n");
        EgressTestNet.Result applied = EgressTestNet.exec(List.of("ip", "netns", "exec", net.hostsNs, "nft", "-f", "-"),
                Map.of(), table.toString(), 30);
        assertThat(applied.exitCode()).as("counters in the test hosts' namespace: " + applied.stderr()).isZero();
    }

    @Test
    @DisplayName("a DNS query never leaves the cell, to an undeclared resolver or a declared one; the trail verifies")
    void dnsNeverLeavesTheCell() throws Exception {
        hostReaches("dns-undeclared", "bash", "-c", "printf '" + DNS_QUERY + "' > /dev/udp/" + RESOLVER + "/53");
        hostReaches("dns-declared", "bash", "-c", "printf '" + DNS_QUERY + "' > /dev/udp/" + V4 + "/53");
        KeyFiles keys = net.keygen("keys-dns");
        Map<String, Long> before = counters();

        EgressCellRun.Started started = new EgressCellRun(net).allow(V4, 53, "udp").allow(V4, EgressTestNet.ECHO_UDP, "udp")
                .signedWith(keys.privateKey())
                .then("echo " + ATTEMPT + "; printf '" + DNS_QUERY + "' > /dev/udp/" + RESOLVER + "/53; sleep 0.3")
                .then("printf '" + DNS_QUERY + "' > /dev/udp/" + V4 + "/53; sleep 0.3")
                .then("printf ping > /dev/udp/" + V4 + "/" + EgressTestNet.ECHO_UDP + "; sleep 0.3").start();
        EgressCellRun.Outcome outcome = started.await();
        record(outcome);

        Map<String, Long> arrived = delta(before, counters());
        assertThat(outcome.stdout()).as("the cell ran\n%s", outcome.stderr()).contains(ATTEMPT);
        assertThat(arrived.get("udp-declared")).as("datagrams that reached a declared port (proof the cell could send)")
                .isEqualTo(1);
        assertThat(arrived.get("dns-undeclared")).as("queries that reached " + RESOLVER).isZero();
        assertThat(arrived.get("dns-declared")).as("queries that reached the declared " + V4 + " port 53").isZero();
        assertTrailVerifies(started.events(), keys);
    }

    @Test
    @DisplayName("an ICMP echo to a TEST-NET host never arrives, undeclared or declared for TCP only, IPv4 and IPv6; the trail verifies")
    void icmpEchoNeverArrives() throws Exception {
        List<String> targets = List.of(V4_OTHER, V4, V6_OTHER, V6);
        for (String target : targets) {
            hostReaches("icmp-" + target, "ping", "-c", "1", "-W", "2", target);
        }
        KeyFiles keys = net.keygen("keys-icmp");
        Map<String, Long> before = counters();

        EgressCellRun cell = new EgressCellRun(net).allow(V4, ECHO, "tcp").allow(V6, ECHO, "tcp")
                .signedWith(keys.privateKey()).then("echo " + ATTEMPT + "; command -v ping >/dev/null || echo NO-PING");
        for (String target : targets) {
            cell.then("ping -c 1 -W 1 " + target + "; echo \"ping " + target + " exit=$?\"");
        }
        EgressCellRun.Started started = cell.probe("tcp", V4, ECHO).start();
        EgressCellRun.Outcome outcome = started.await();
        record(outcome);

        Map<String, Long> arrived = delta(before, counters());
        assertThat(outcome.stdout()).as("the cell ran and had ping\n%s", outcome.stderr()).contains(ATTEMPT)
                .doesNotContain("NO-PING");
        EgressCellRun.assertProbes(outcome, Map.of("tcp " + V4 + " " + ECHO, "ok")); // the uplink works
        for (String target : targets) {
            assertThat(outcome.stdout()).as("the cell tried " + target).contains("ping " + target + " exit=")
                    .doesNotContain("ping " + target + " exit=0");
            assertThat(arrived.get("icmp-" + target)).as("echo requests that reached " + target).isZero();
        }
        assertTrailVerifies(started.events(), keys);
    }

    /** The precondition of every case here: the same attempt from the runner's host namespace is counted. */
    private static void hostReaches(String counter, String... command) throws IOException {
        long before = counters().get(counter);
        List<String> inHost = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + net.hostNs));
        inHost.addAll(List.of(command));
        EgressTestNet.Result result = EgressTestNet.exec(inHost, Map.of(), null, 30);
        assertThat(counters().get(counter)).as("the host's own attempt (%s) is counted at the target: exit %d %s %s",
                String.join(" ", command), result.exitCode(), result.stdout(), result.stderr()).isEqualTo(before + 1);
    }

    private static Map<String, Long> counters() throws IOException {
        String listed = EgressTestNet.sh("ip", "netns", "exec", net.hostsNs, "nft", "list", "table", "inet", COUNTERS);
        Map<String, Long> counters = new LinkedHashMap<>();
        Matcher matcher = Pattern.compile("counter packets (\\d+) bytes \\d+ comment \"([^\"]+)\"").matcher(listed);
        while (matcher.find()) {
            counters.put(matcher.group(2), Long.parseLong(matcher.group(1)));
        }
        assertThat(counters.keySet()).as("counters in\n" + listed).containsExactlyInAnyOrderElementsOf(COUNTED.keySet());
        return counters;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new LinkedHashMap<>();
        after.forEach((name, value) -> delta.put(name, value - before.get(name)));
        return delta;
    }

    private static void assertTrailVerifies(Path events, KeyFiles keys) throws IOException {
        EgressTestNet.Result verify = net.verify(events, keys);
        assertThat(verify.exitCode()).as("verify --key\n%s", verify.stdout()).isZero();
        assertThat(TrailVerifier.problems(Trail.read(events).events(), KeyFiles.rawPublicKey(keys.publicKey())))
                .as("the suite's own check of the trail").isEmpty();
    }
}
