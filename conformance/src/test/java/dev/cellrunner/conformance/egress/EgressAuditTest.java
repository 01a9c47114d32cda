package dev.cellrunner.conformance.egress;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.CellEvent;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventSchemas;
import dev.cellrunner.conformance.harness.KeyFiles;
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
import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO_UDP;
import static dev.cellrunner.conformance.egress.EgressTestNet.HOST_LISTENER;
import static dev.cellrunner.conformance.egress.EgressTestNet.OTHER;
import static dev.cellrunner.conformance.egress.EgressTestNet.OTHER_UDP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Learning a policy: a python3 workload in audit mode reaches two test hosts by name (one of them
 * through three subdomains of one domain) and one by address, and the host itself stays closed;
 * {@code policy suggest} turns the verified trail into rules; the same document with those rules,
 * enforced, still works, and a destination the audit never saw is blocked. A tampered trail is refused.
 */
@ContractSection("§1 authority.egressMode, §2 network_enforcement wouldBeDenied, policy suggest (docs/learn.md)")
class EgressAuditTest extends EgressNetCase {
    private static final String UNREACHABLE_RESOLVER = "nameserver 192.0.2.99\n";
    private static final String ZONE = String.join("\n",
            "echo.learn-a.test A 5 " + V4,
            "a.svc.learn-b.test A 5 " + V4_OTHER,
            "b.svc.learn-b.test A 5 " + V4_OTHER,
            "c.learn-b.test A 5 " + V4_OTHER,
            "d.learn-c.test A 5 " + V4);
    /** The workload: connect, send "ping", expect it echoed; a name through getaddrinfo (glibc, the cell's resolver). */
    private static final String WORKLOAD = """
            import socket, sys
            for spec in sys.argv[1:]:
                proto, host, port = spec.split(",")
                kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
                try:
                    family, _, _, _, address = socket.getaddrinfo(host, int(port), 0, kind)[0]
                    with socket.socket(family, kind) as s:
                        s.settimeout(3)
                        s.connect(address)
                        s.send(b"ping\\n")
                        ok = s.recv(5) == b"ping\\n"
                except OSError as e:
                    ok = False
                print("PROBE", proto, host, port, "ok" if ok else "fail", flush=True)
            """;
    /** Two hosts by name (the second through three subdomains of one domain), one by address (no answer has it). */
    private static final List<String> VISITED = List.of("tcp,echo.learn-a.test," + ECHO,
            "tcp,a.svc.learn-b.test," + OTHER, "tcp,b.svc.learn-b.test," + OTHER, "tcp,c.learn-b.test," + OTHER,
            "udp," + V6_OTHER + "," + ECHO_UDP);

    @BeforeEach
    void theFixtureAnswersTheHost() throws IOException {
        net.dns().write(ZONE);
        String answer = net.inHost("dig", "+short", "+time=2", "@" + DNS_SERVER, "echo.learn-a.test").trim();
        assertThat(answer).as("the fixture answers the runner's host namespace").isEqualTo(V4);
    }

    private EgressCellRun cell(Path scripts, KeyFiles keys, List<String> probes) throws IOException {
        Path script = Files.writeString(scripts.resolve("workload.py"), WORKLOAD);
        return new EgressCellRun(net).runnerOptions("--dns-upstream", DNS_SERVER).resolvConf(UNREACHABLE_RESOLVER)
                .signedWith(keys.privateKey()).writable(scripts)
                .then("python3 " + script + " " + String.join(" ", probes))
                .probe("tcp", "198.51.100.1", HOST_LISTENER); // the host itself: never, even in audit mode
    }

    @Test
    void anAuditRunLearnsAPolicyThatThenHoldsWhenEnforced() throws Exception {
        KeyFiles keys = net.keygen("audit-keys");
        Path scripts = net.cellDir("audit");
        EgressCellRun audit = cell(scripts, keys, VISITED).egressMode("audit")
                .allow("echo.learn-a.test", ECHO, "tcp"); // what the author guessed
        EgressCellRun.Outcome learned = audit.run();
        record(learned);
        assertThat(learned.exitCode()).as(learned.stderr()).isZero();
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        VISITED.forEach(v -> expected.put(v.replace(',', ' '), "ok"));
        assertProbes(learned, expected);
        assertProbes(learned, Map.of("tcp 198.51.100.1 " + HOST_LISTENER, "fail"));

        JsonNode policy = learned.data("network_policy");
        JsonNode enforcement = learned.data("network_enforcement");
        assertThat(policy.path("egressMode").asText()).isEqualTo("audit");
        assertThat(policy.path("egress").path("enforced").asBoolean(true)).isFalse();
        assertThat(enforcement.path("egressMode").asText()).isEqualTo("audit");
        assertThat(enforcement.path("egress").path("enforced").asBoolean(true)).isFalse();
        JsonNode landlock = learned.data("confinement").path("landlock");
        if (landlock.path("abi").asInt() >= 4) {
            assertThat(landlock.path("network").path("enforced").asBoolean(true)).as("landlock: %s", landlock).isFalse();
            assertThat(landlock.path("handledAccessNet")).as("no TCP port rules in audit mode").isEmpty();
        }
        List<String> wouldBeDenied = new ArrayList<>();
        enforcement.path("wouldBeDenied").forEach(w -> wouldBeDenied.add(w.path("kind").asText() + " "
                + w.path("destination").asText(w.path("name").asText()) + " " + w.path("port").asText("")));
        assertThat(wouldBeDenied).as("wouldBeDenied: %s", enforcement.path("wouldBeDenied"))
                .contains("dnsQuery a.svc.learn-b.test ", "dnsQuery c.learn-b.test ", "flow " + V4_OTHER + " " + OTHER,
                        "flow " + V6_OTHER + " " + ECHO_UDP)
                .noneMatch(w -> w.contains("echo.learn-a.test") || w.contains(V4 + " "));
        JsonNode denied = enforcement.path("deniedConnections");
        assertThat(denied.toString()).as("the host's own address is refused and recorded").contains("198.51.100.1")
                .contains("never-host-address-ip4");

        EventSchemas schemas = EventSchemas.load(net.root);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < learned.events().size(); i++) {
            CellEvent event = new CellEvent(i + 1, learned.events().get(i));
            problems.addAll(schemas.envelopeProblems(event));
            problems.addAll(schemas.dataProblems(event));
        }
        assertThat(problems).as("the audit run's events against the event schemas").isEmpty();

        // policy suggest on the verified trail
        Path trail = Path.of(learned.eventsFile());
        EgressTestNet.Result suggested = suggest(keys, "--cell", learned.data("started").path("cellId").asText(),
                trail.toString());
        assertThat(suggested.exitCode()).as(suggested.stderr()).isZero();
        assertThat(suggested.stdout()).isEqualTo("[\n"
                + "  {\"host\":\"*.learn-b.test\",\"port\":" + OTHER + ",\"protocol\":\"tcp\"},\n"
                + "  {\"host\":\"" + V6_OTHER + "\",\"port\":" + ECHO_UDP + ",\"protocol\":\"udp\"},\n"
                + "  {\"host\":\"echo.learn-a.test\",\"port\":" + ECHO + ",\"protocol\":\"tcp\"}\n]\n");
        assertThat(suggested.stderr()).contains(V6_OTHER + " port " + ECHO_UDP + "/udp: no DNS answer explains this address");

        // the same document with those rules, enforced
        Path auditDocument = Files.writeString(net.work.resolve("audit-cell.json"), audit.document());
        Path enforcedDocument = net.work.resolve("enforced-cell.json");
        EgressTestNet.Result merged = suggest(keys, "--merge", auditDocument.toString(), "--out",
                enforcedDocument.toString(), trail.toString());
        assertThat(merged.exitCode()).as(merged.stderr()).isZero();
        List<String> withUnvisited = new ArrayList<>(VISITED);
        withUnvisited.addAll(List.of("tcp,d.learn-c.test," + ECHO, "udp," + V6 + "," + OTHER_UDP,
                "tcp," + V4_OTHER + "," + ECHO));
        Path enforcedScripts = net.cellDir("enforced");
        String enforcedText = Files.readString(enforcedDocument)
                .replace(scripts.toString(), enforcedScripts.toString()) // its own writable directory
                .replace(String.join(" ", VISITED), String.join(" ", withUnvisited));
        EgressCellRun.Outcome enforced = cell(enforcedScripts, keys, withUnvisited).document(enforcedText).run();
        record(enforced);
        assertThat(enforced.data("network_policy").path("egressMode").asText()).isEqualTo("enforce");
        assertThat(enforced.data("network_enforcement").has("wouldBeDenied")).isFalse();
        assertProbes(enforced, expected);
        assertProbes(enforced, Map.of("tcp d.learn-c.test " + ECHO, "fail", "udp " + V6 + " " + OTHER_UDP, "fail",
                "tcp " + V4_OTHER + " " + ECHO, "fail"));

        // a tampered trail is refused, and named
        List<String> lines = Files.readAllLines(trail);
        lines.replaceAll(line -> line.contains("network_enforcement") ? line.replace("c.learn-b.test", "x.learn-b.test") : line);
        Path tampered = Files.write(net.work.resolve("tampered.jsonl"), lines);
        EgressTestNet.Result refused = suggest(keys, tampered.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("refused", learned.data("started").path("runId").asText());
        assertThat(refused.stdout()).isEqualTo("[]\n");
    }

    @Test
    void anOperatorCanForbidAuditModeAndTheRefusalIs69() throws Exception {
        KeyFiles keys = net.keygen("deny-keys");
        EgressCellRun.Outcome outcome = cell(net.cellDir("deny"), keys, List.of("tcp,echo.learn-a.test," + ECHO))
                .egressMode("audit").runnerOptions("--deny-egress-audit").run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(69);
        assertThat(outcome.stdout()).doesNotContain("PROBE");
        assertThat(outcome.data("destroyed").path("outcome").asText()).isEqualTo("refused");
        assertThat(outcome.stderr()).contains("--deny-egress-audit");

        EgressCellRun.Outcome byOption = cell(net.cellDir("deny-option"), keys, List.of("tcp,echo.learn-a.test," + ECHO))
                .runnerOptions("--egress-mode", "audit", "--deny-egress-audit").run();
        record(byOption);
        assertThat(byOption.exitCode()).isEqualTo(69);
    }

    private EgressTestNet.Result suggest(KeyFiles keys, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(net.runner.toString(), "policy", "suggest", "--key",
                keys.publicKey().toString()));
        command.addAll(List.of(args));
        return EgressTestNet.exec(command, Map.of(), null, 60);
    }
}
