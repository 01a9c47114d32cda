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
import static dev.cellrunner.conformance.egress.EgressTestNet.DNS_SERVER;
import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Egress by name: the cell's DNS responder answers declared names (exact and wildcard) through the
 * DNS fixture among the test hosts ({@code --dns-upstream}), opens the answered addresses, and records
 * every query, flow and denial. The runner sees a resolv.conf naming an address of TEST-NET-1 (never
 * reachable), so every answer the cell gets came through its responder.
 */
@ContractSection("§2 network egress by name: the cell's DNS responder")
class EgressNamesTest extends EgressNetCase {
    private static final String UNREACHABLE_RESOLVER = "nameserver 192.0.2.99\n";
    /** The runner's host namespace in the test network: an address of the host's own interfaces. */
    private static final String HOST_ADDRESS = "198.51.100.1";
    /** In the runner's default IPv4 uplink pool (198.18.0.0/16): the host's end of a cell's link, or another cell. */
    private static final String POOL_ADDRESS = "198.18.0.1";
    private static final String ZONE = String.join("\n",
            "echo.egress.test A 5 " + V4,
            "echo.egress.test AAAA 5 " + V6,
            "other.egress.test A 5 " + V4_OTHER,
            "a.w.egress.test A 5 " + V4,
            "deep.x.w.egress.test A 5 " + V4_OTHER,
            "w.egress.test A 5 " + V4_OTHER,
            "alias.egress.test CNAME 5 hop.cdn.test",
            "hop.cdn.test CNAME 5 edge.cdn.test",
            "edge.cdn.test A 5 " + V4_OTHER,
            "r.rot.egress.test A 1 " + V4 + "|" + V4_OTHER,
            "s.ttl.egress.test A 1 " + V4,
            "host.h.egress.test A 5 127.0.0.1",
            "host.h.egress.test A 5 169.254.169.254",
            "host.h.egress.test A 5 " + V4,
            "self.h.egress.test A 5 " + HOST_ADDRESS,
            "self.h.egress.test A 5 " + POOL_ADDRESS,
            "self.h.egress.test A 5 " + V4_OTHER);

    @BeforeEach
    void theFixtureAnswersTheHost() throws IOException {
        net.dns().write(ZONE + "\n" + big());
        // without this, an answer inside the cell would prove nothing about the path it took
        String answer = net.inHost("dig", "+short", "+time=2", "@" + DNS_SERVER, "echo.egress.test").trim();
        assertThat(answer).as("the fixture answers the runner's host namespace").isEqualTo(V4);
    }

    private EgressCellRun cell() {
        return new EgressCellRun(net).runnerOptions("--dns-upstream", DNS_SERVER).resolvConf(UNREACHABLE_RESOLVER);
    }

    /** 40 A records: more than a 512-byte UDP answer holds. */
    private static String big() {
        StringBuilder records = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            records.append("big.egress.test A 60 203.0.113.").append(i).append('\n');
        }
        return records.toString();
    }

    @Test
    void anExactNameResolvesInTheCellForGlibcGetentDigAndJavaAndOpensItsAddress() throws Exception {
        Path javaDir = net.cellDir("java"); // under /tmp: declared, so the cell's mount view shows it
        Path javaProbe = Files.writeString(javaDir.resolve("Probe.java"),
                "public class Probe { public static void main(String[] a) throws Exception {"
                        + " for (var x : java.net.InetAddress.getAllByName(\"echo.egress.test\"))"
                        + " System.out.println(\"JAVA \" + x.getHostAddress()); } }");
        EgressCellRun.Outcome outcome = cell().writable(javaDir).allow("echo.egress.test", ECHO, "tcp")
                .then("grep -h '^nameserver' /etc/resolv.conf | sed 's/^/RESOLV /'")
                .then("echo SELF $(getent hosts \"$(hostname)\" | cut -d' ' -f1)")
                .then("getent ahostsv4 echo.egress.test | head -1 | sed 's/^/GETENT /'")
                .then("echo DIG $(dig +short +time=2 echo.egress.test A)")
                .then("python3 -c 'import socket; print(\"PYTHON\", sorted({a[4][0] for a in socket.getaddrinfo("
                        + "\"echo.egress.test\", 7000, proto=socket.IPPROTO_TCP)}))'")
                .then(Path.of(System.getProperty("java.home"), "bin", "java") + " -Xshare:off -XX:TieredStopAtLevel=1 "
                        + javaProbe)
                .probe("tcp", "echo.egress.test", ECHO).probe("tcp", V4_OTHER, ECHO).run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).as("the cell's own resolv.conf and hosts").contains("RESOLV nameserver 127.0.0.53\n",
                "SELF 127.0.1.1\n");
        assertThat(outcome.stdout()).contains("GETENT " + V4, "DIG " + V4, "JAVA " + V4)
                .containsPattern("PYTHON \\[.*'" + V4 + "'.*]");
        assertProbes(outcome, Map.of("tcp echo.egress.test " + ECHO, "ok", "tcp " + V4_OTHER + " " + ECHO, "fail"));
        assertThat(net.dns().received()).as("what reached the fixture").anyMatch(q -> q.startsWith("echo.egress.test 1 "));
    }

    @Test
    void aWildcardAllowsEveryNameBelowItsDomainButNotTheDomainItself() throws Exception {
        EgressCellRun.Outcome outcome = cell().allow("*.W.egress.test", ECHO, "tcp")
                .then("for n in a.w.egress.test deep.x.w.egress.test w.egress.test; do"
                        + " echo \"NAME $n $(dig +short +time=2 $n A)\"; done")
                .probe("tcp", "a.w.egress.test", ECHO).probe("tcp", "deep.x.w.egress.test", ECHO).run();
        record(outcome);
        assertThat(outcome.stdout()).contains("NAME a.w.egress.test " + V4 + "\n",
                "NAME deep.x.w.egress.test " + V4_OTHER + "\n", "NAME w.egress.test \n");
        assertProbes(outcome, Map.of("tcp a.w.egress.test " + ECHO, "ok", "tcp deep.x.w.egress.test " + ECHO, "ok"));
        assertThat(net.dns().received()).as("the undeclared apex never reached the fixture")
                .noneMatch(q -> q.startsWith("w.egress.test "));
    }

    @Test
    void anUndeclaredNameIsAnsweredInsideAndNeverReachesTheFixture() throws Exception {
        EgressCellRun.Outcome outcome = cell().allow("echo.egress.test", ECHO, "tcp")
                .then("echo OTHER $(dig +time=2 other.egress.test A | grep -o 'status: [A-Z]*')")
                .then("echo TXT $(dig +short +time=2 echo.egress.test TXT | wc -l)")
                .then("echo DECLARED $(dig +short +time=2 echo.egress.test A)").run();
        record(outcome);
        assertThat(outcome.stdout()).contains("OTHER status: NXDOMAIN", "TXT 0", "DECLARED " + V4);
        List<String> received = net.dns().received();
        assertThat(received).as("the declared name reached the fixture (the path works)")
                .anyMatch(q -> q.startsWith("echo.egress.test 1 "));
        assertThat(received).as("no undeclared name and no other type reached the fixture")
                .noneMatch(q -> q.startsWith("other.egress.test ")).noneMatch(q -> q.startsWith("echo.egress.test 16 "));
        JsonNode query = queryRecord(outcome, "other.egress.test", "A");
        assertThat(query.path("verdict").asText()).isEqualTo("denied");
        assertThat(query.path("reason").asText()).isEqualTo("undeclared");
        assertThat(query.path("rcode").asText()).isEqualTo("NXDOMAIN");
    }

    @Test
    void dnsToAnyOtherResolverIsAnsweredByTheResponderAndNeverLeaves() throws Exception {
        EgressCellRun.Outcome outcome = cell().allow("echo.egress.test", ECHO, "tcp").allow(DNS_SERVER, 53, "udp")
                .then("echo VIA_DECLARED $(dig +short +time=2 @" + DNS_SERVER + " echo.egress.test A)")
                .then("echo VIA_OTHER $(dig +short +time=2 @192.0.2.1 other.egress.test A)").run();
        record(outcome);
        assertThat(outcome.stdout()).contains("VIA_DECLARED " + V4 + "\n", "VIA_OTHER\n");
        assertThat(net.dns().received()).as("other.egress.test asked of the declared resolver itself")
                .noneMatch(q -> q.startsWith("other.egress.test "));
    }

    @Test
    void aLargeAnswerIsTruncatedOverUdpAndGlibcGetsItWholeOverTcp() throws Exception {
        EgressCellRun.Outcome outcome = cell().allow("big.egress.test", 443, "tcp")
                .then("python3 -c 'import socket; print(\"COUNT\", len({a[4][0] for a in socket.getaddrinfo("
                        + "\"big.egress.test\", 443, socket.AF_INET, socket.SOCK_STREAM)}))'")
                .then("echo TC $(dig +ignore +noedns +time=2 big.egress.test A | grep -c ' tc')").run();
        record(outcome);
        assertThat(outcome.stdout()).as(outcome.stderr()).contains("COUNT 40", "TC 1");
        JsonNode query = queryRecord(outcome, "big.egress.test", "A");
        assertThat(query.path("answers")).hasSize(32); // a record keeps at most 32 addresses
    }

    /**
     * DNS over TCP as clients make it: dig binds its socket before connecting, glibc with
     * {@code options use-vc} and a hand-made query connect without binding; to either of the responder's
     * addresses, and to another resolver (redirected to the responder).
     */
    @Test
    void dnsOverTcpIsAnsweredAsOverUdpWhetherOrNotTheClientBindsFirst() throws Exception {
        EgressCellRun.Outcome outcome = cell().allow("echo.egress.test", ECHO, "tcp")
                .then("echo DIG_TCP $(dig +tcp +short +time=2 +tries=1 echo.egress.test A)")
                .then("echo DIG_TCP6 $(dig +tcp +short +time=2 +tries=1 @::1 echo.egress.test AAAA)")
                .then("echo DIG_TCP_OTHER $(dig +tcp +short +time=2 +tries=1 @192.0.2.1 echo.egress.test A)")
                .then("echo USE_VC $(RES_OPTIONS=use-vc getent ahostsv4 echo.egress.test | head -1 | cut -d' ' -f1)")
                .then(RAW_TCP_QUERY)
                .then("python3 -c 'import socket\nfor port in (0, 8053):\n s = socket.socket()\n try:\n  s.bind((\"\", port))"
                        + "; print(\"BIND\", port, \"ok\")\n except OSError as e: print(\"BIND\", port, e.errno)'")
                .probe("tcp", "echo.egress.test", ECHO).run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).as(outcome.stderr()).contains("DIG_TCP " + V4 + "\n", "DIG_TCP6 " + V6 + "\n",
                "DIG_TCP_OTHER " + V4 + "\n", "USE_VC " + V4 + "\n", "RAW 127.0.0.53 1 " + V4 + "\n",
                "RAW ::1 1 " + V4 + "\n");
        assertThat(outcome.stdout()).as("an ephemeral port may be bound, a fixed one not (EACCES)")
                .contains("BIND 0 ok\n", "BIND 8053 13\n");
        assertProbes(outcome, Map.of("tcp echo.egress.test " + ECHO, "ok"));
        JsonNode query = queryRecord(outcome, "echo.egress.test", "A");
        assertThat(query.path("verdict").asText()).isEqualTo("allowed");
        assertThat(query.path("count").asInt()).as("every TCP query recorded: %s", query).isGreaterThanOrEqualTo(4);
    }

    /** One A query for echo.egress.test over TCP to each address, without bind(): "RAW addr answers address". */
    private static final String RAW_TCP_QUERY = """
            python3 - <<'PY'
            import socket, struct
            def readn(s, n):
                data = b''
                while len(data) < n:
                    more = s.recv(n - len(data))
                    if not more:
                        raise OSError('closed after %d bytes' % len(data))
                    data += more
                return data
            name = b''.join(bytes([len(l)]) + l.encode() for l in 'echo.egress.test'.split('.')) + b'\\0'
            query = struct.pack('>HHHHHH', 0x2345, 0x0100, 1, 0, 0, 0) + name + struct.pack('>HH', 1, 1)
            for family, address in ((socket.AF_INET, '127.0.0.53'), (socket.AF_INET6, '::1')):
                s = socket.socket(family, socket.SOCK_STREAM)
                s.settimeout(3)
                try:
                    s.connect((address, 53))
                    s.sendall(struct.pack('>H', len(query)) + query)
                    answer = readn(s, struct.unpack('>H', readn(s, 2))[0])
                    count = struct.unpack('>H', answer[6:8])[0]
                    print('RAW', address, count, socket.inet_ntoa(answer[-4:]) if count else '-')
                except OSError as e:
                    print('RAW', address, 'error', e)
                finally:
                    s.close()
            PY""";

    @Test
    void anAnswerThatChangesOpensTheNewAddressAndNothingItDidNotAnswer() throws Exception {
        EgressCellRun.Outcome outcome = cell().runnerEnv("CELL_RUNNER_DNS_TTL_MIN", "1")
                .allow("*.rot.egress.test", ECHO, "tcp") // a wildcard: nothing is pinned at start
                .then("echo FIRST $(dig +short +time=2 r.rot.egress.test A)")
                .then("probe tcp " + V4_OTHER + " " + ECHO + " | sed 's/^/BEFORE /'")
                .then("sleep 1.5; echo SECOND $(dig +short +time=2 r.rot.egress.test A)")
                .then("probe tcp " + V4_OTHER + " " + ECHO + " | sed 's/^/AFTER /'").run();
        record(outcome);
        assertThat(outcome.stdout()).as(outcome.stderr()).contains("FIRST " + V4, "SECOND " + V4_OTHER,
                "BEFORE PROBE tcp " + V4_OTHER + " " + ECHO + " fail", "AFTER PROBE tcp " + V4_OTHER + " " + ECHO + " ok");
    }

    @Test
    void anExpiredAnswerStopsNewConnectionsButNotEstablishedOnes() throws Exception {
        EgressCellRun.Outcome outcome = cell().runnerEnv("CELL_RUNNER_DNS_TTL_MIN", "1")
                .runnerEnv("CELL_RUNNER_DNS_TTL_MAX", "2")
                .allow("*.ttl.egress.test", ECHO, "tcp")
                .then("echo ANSWER $(dig +short +time=2 s.ttl.egress.test A)")
                .then("exec 3<>/dev/tcp/" + V4 + "/" + ECHO + " && echo OPENED")
                .then("sleep 3.5")
                .then("probe tcp " + V4 + " " + ECHO + " | sed 's/^/LATER /'")
                .then("echo ping >&3; echo \"ESTABLISHED $(timeout 2 head -c 5 <&3)\"").run();
        record(outcome);
        assertThat(outcome.stdout()).as(outcome.stderr()).contains("ANSWER " + V4, "OPENED",
                "LATER PROBE tcp " + V4 + " " + ECHO + " fail", "ESTABLISHED ping");
        assertThat(queryRecord(outcome, "s.ttl.egress.test", "A").path("answers").get(0).path("openSeconds").asLong())
                .isEqualTo(1);
    }

    @Test
    void anAnswerPointingAtTheHostIsWithheldAndTheRecordSaysWhy() throws Exception {
        EgressCellRun.Outcome outcome = cell().allow("*.h.egress.test", ECHO, "tcp")
                .then("echo ANSWER $(dig +short +time=2 host.h.egress.test A | sort | tr '\\n' ' ')").run();
        record(outcome);
        assertThat(outcome.stdout()).contains("ANSWER " + V4 + "\n");
        assertThat(withheld(outcome, "host.h.egress.test")).hasSize(2).anyMatch(w -> w.startsWith("127.0.0.1 "))
                .anyMatch(w -> w.startsWith("169.254.169.254 "));
    }

    /**
     * The same rule as for declared destinations (the host's own interface addresses and the uplink pool),
     * and with --allow-host-egress the same answers are given: the control that shows the fixture serves them.
     */
    @Test
    void anAnswerPointingAtTheHostsOwnAddressOrTheUplinkPoolIsWithheldUnlessTheRunnerAllowsHostEgress()
            throws Exception {
        String ask = "echo ANSWER $(dig +short +time=2 self.h.egress.test A | sort | tr '\\n' ' ')";
        EgressCellRun.Outcome outcome = cell().allow("*.h.egress.test", ECHO, "tcp").then(ask).run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).contains("ANSWER " + V4_OTHER + "\n");
        assertThat(withheld(outcome, "self.h.egress.test")).hasSize(2)
                .anyMatch(w -> w.startsWith(HOST_ADDRESS + " ") && w.contains("host-address"))
                .anyMatch(w -> w.startsWith(POOL_ADDRESS + " ") && w.contains("uplink-pool"));

        EgressCellRun.Outcome allowed = cell().runnerOptions("--allow-host-egress").allow("*.h.egress.test", ECHO, "tcp")
                .then(ask).run();
        record(allowed);
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertThat(allowed.stdout()).contains("ANSWER " + POOL_ADDRESS + " " + HOST_ADDRESS + " " + V4_OTHER + "\n");
        assertThat(withheld(allowed, "self.h.egress.test")).isEmpty();
    }

    /** "address reason" for each answer the responder withheld from the cell's query of {@code name}. */
    private static List<String> withheld(EgressCellRun.Outcome outcome, String name) {
        List<String> withheld = new ArrayList<>();
        queryRecord(outcome, name, "A").path("refusedAnswers")
                .forEach(r -> withheld.add(r.path("address").asText() + " " + r.path("reason").asText()));
        return withheld;
    }

    @Test
    void queriesFlowsAndDenialsAreRecordedFromTheKernelAndBounded() throws Exception {
        EgressCellRun.Outcome outcome = cell().runnerEnv("CELL_RUNNER_NETWORK_RECORDS_LIMIT", "3")
                .allow("alias.egress.test", ECHO, "tcp")
                .then("for i in 1 2 3 4 5 6; do dig +short +time=1 undeclared$i.egress.test >/dev/null; done")
                .then("echo ALIAS $(dig +short +time=2 alias.egress.test A | tail -1)")
                .probe("tcp", "alias.egress.test", ECHO).probe("tcp", V4, ECHO).run();
        record(outcome);
        assertThat(outcome.stdout()).as(outcome.stderr()).contains("ALIAS " + V4_OTHER);
        assertProbes(outcome, Map.of("tcp alias.egress.test " + ECHO, "ok", "tcp " + V4 + " " + ECHO, "fail"));
        JsonNode enforcement = outcome.data("network_enforcement");
        JsonNode totals = enforcement.path("networkRecords").path("dnsQueries");
        assertThat(enforcement.path("dnsQueries")).as("dnsQueries bounded: %s", enforcement).hasSize(3);
        assertThat(totals.path("truncated").asBoolean()).isTrue();
        assertThat(totals.path("events").asLong()).isGreaterThanOrEqualTo(8);
        assertThat(totals.path("limit").asInt()).isEqualTo(3);

        JsonNode flow = find(enforcement.path("flows"), f -> f.path("destination").asText().equals(V4_OTHER));
        assertThat(flow.path("port").asInt()).isEqualTo(ECHO);
        assertThat(flow.path("protocol").asText()).isEqualTo("tcp");
        assertThat(flow.path("rules").get(0).asText()).isEqualTo("egressRules[0]");
        assertThat(flow.path("name").asText()).isEqualTo("alias.egress.test");
        assertThat(flow.path("bytesOut").asLong()).as("ping sent: %s", flow).isGreaterThan(5);
        assertThat(flow.path("bytesIn").asLong()).as("ping echoed: %s", flow).isGreaterThan(5);
        assertThat(flow.path("packetsIn").asLong()).isPositive();

        JsonNode denied = find(enforcement.path("deniedConnections"), d -> d.path("destination").asText().equals(V4));
        assertThat(denied.path("port").asInt()).isEqualTo(ECHO);
        assertThat(denied.path("rule").asText()).isEqualTo("reject-tcp");
        assertThat(denied.path("packets").asLong()).isPositive();
        assertThat(denied.path("layer").asText()).isEqualTo("nftables");
        if (!outcome.data("completed").path("landlockDenials").path("recorded").asBoolean()) {
            // without the kernel's landlock audit records, a connect landlock refused cannot be listed: said so
            assertThat(enforcement.path("networkRecords").path("notRecorded").toString()).contains("refused by landlock");
        }
    }

    private static JsonNode queryRecord(EgressCellRun.Outcome outcome, String name, String type) {
        return find(outcome.data("network_enforcement").path("dnsQueries"),
                q -> q.path("name").asText().equals(name) && q.path("type").asText().equals(type));
    }

    private static JsonNode find(JsonNode list, java.util.function.Predicate<JsonNode> wanted) {
        for (JsonNode entry : list) {
            if (wanted.test(entry)) {
                return entry;
            }
        }
        throw new AssertionError("nothing wanted in " + list);
    }
}
