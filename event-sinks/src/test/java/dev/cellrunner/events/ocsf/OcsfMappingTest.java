package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Maps a trail recorded from real runs (exit 3, lifetime timeout, missing executable, a refused
 * readWrite path, allowed and dropped traffic: {@code /ocsf/recorded-runs.jsonl}) and validates every
 * record against the OCSF 1.8.0 definitions.
 */
class OcsfMappingTest {
    static final OcsfValidator VALIDATOR = new OcsfValidator(OcsfSchema.load(OcsfMapper.SCHEMA_VERSION));
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> recordedEvents() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                OcsfMappingTest.class.getResourceAsStream("/ocsf/recorded-runs.jsonl"), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    static void assertValid(ObjectNode record) {
        OcsfValidator.Result result = VALIDATOR.validate(record);
        assertThat(result.errors()).as("OCSF errors of %s", record).isEmpty();
    }

    @Test
    void everyRecordOfEveryRecordedEventIsValidOcsf() throws IOException {
        Set<String> kinds = new TreeSet<>();
        int records = 0;
        for (JsonNode event : recordedEvents()) {
            for (ObjectNode record : OcsfMapper.map(event)) {
                assertValid(record);
                kinds.add(record.get("type_uid").asText() + "/" + record.path("status").asText("-")
                        + (record.has("disposition") ? "/" + record.get("disposition").asText() : ""));
                records++;
            }
        }
        assertThat(records).isGreaterThan(26);
        assertThat(kinds).contains("100701/-", "100702/Success", "100702/Failure", "100799/Success",
                "100799/Failure", "501901/Success", "501901/Failure", "400106/-/Allowed", "400106/-/Blocked");
    }

    @Test
    void processRecordsCarryTheCommandItsExitAndHowItEnded() throws IOException {
        Map<String, List<ObjectNode>> byCell = byCell();
        ObjectNode launch = first(byCell.get("ocsf-a"), 100701);
        assertThat(launch.at("/process/cmd_line").asText()).isEqualTo("/bin/sh -c 'echo hi; exit 3'");
        assertThat(launch.at("/process/file/path").asText()).isEqualTo("/bin/sh");
        assertThat(launch.at("/unmapped/data/specDigest").asText()).startsWith("sha256:");
        assertThat(launch.at("/unmapped/data/correlation/platform").asText()).isEqualTo("gitlab");
        ObjectNode exit3 = first(byCell.get("ocsf-a"), 100702);
        assertThat(exit3.get("exit_code").asInt()).isEqualTo(3);
        assertThat(exit3.get("status_id").asInt()).isEqualTo(2);
        assertThat(exit3.get("status_detail").asText()).isEqualTo("exit status 3");
        ObjectNode timeout = first(byCell.get("ocsf-timeout"), 100702);
        assertThat(timeout.get("status_detail").asText()).startsWith("timed out");
        ObjectNode missing = first(byCell.get("ocsf-missing"), 100702);
        assertThat(missing.get("status_detail").asText()).contains("could not be started").contains("nonexistent");
        ObjectNode refusedState = first(byCell.get("ocsf-refused"), 501901);
        assertThat(refusedState.get("state").asText()).isEqualTo("Disabled");
        assertThat(refusedState.get("status_detail").asText()).contains("authority.filesystem.readWrite");
        ObjectNode refusedEnd = first(byCell.get("ocsf-refused"), 100799);
        assertThat(refusedEnd.get("status_code").asText()).isEqualTo("refused");
        assertThat(refusedEnd.get("severity_id").asInt()).isEqualTo(3);
    }

    @Test
    void trafficRecordsNameTheRuleTheDestinationAndTheCounts() throws IOException {
        List<ObjectNode> traffic = byCell().get("ocsf-traffic").stream()
                .filter(r -> r.get("class_uid").asInt() == 4001).toList();
        ObjectNode allowed = traffic.stream().filter(r -> r.at("/firewall_rule/name").asText().equals("egressRules[0]"))
                .findFirst().orElseThrow();
        assertThat(allowed.at("/dst_endpoint/ip").asText()).isEqualTo("198.51.100.7");
        assertThat(allowed.at("/dst_endpoint/port").asInt()).isEqualTo(443);
        assertThat(allowed.at("/connection_info/protocol_num").asInt()).isEqualTo(6);
        assertThat(allowed.at("/traffic/packets").asLong()).isEqualTo(1);
        assertThat(allowed.get("disposition_id").asInt()).isEqualTo(1);
        ObjectNode dropped = traffic.stream().filter(r -> r.get("disposition_id").asInt() == 2).findFirst().orElseThrow();
        assertThat(dropped.get("action").asText()).isEqualTo("Denied");
        assertThat(dropped.at("/firewall_rule/type").asText()).isEqualTo("drop");
        // rules that saw no packet give no traffic record
        assertThat(traffic).noneMatch(r -> r.at("/firewall_rule/name").asText().equals("egressRules[1]"));
    }

    @Test
    void everyRecordLeadsBackToItsSignedEvent() throws IOException {
        List<JsonNode> events = recordedEvents();
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            for (ObjectNode record : OcsfMapper.map(event)) {
                assertThat(record.at("/metadata/original_event_uid").asText()).isEqualTo(event.get("id").asText());
                assertThat(record.at("/metadata/correlation_uid").asText()).isEqualTo(event.get("runid").asText());
                assertThat(record.at("/actor/process/sandbox").asText()).isEqualTo(event.get("cellid").asText());
                assertThat(record.at("/metadata/version").asText()).isEqualTo("1.8.0");
                assertThat(record.at("/unmapped/cloudevent/chainseq").asInt()).isEqualTo(event.get("chainseq").asInt());
                // the digest of the signed payload is what the run's next event names as chainprev
                if (i + 1 < events.size() && events.get(i + 1).get("runid").equals(event.get("runid"))) {
                    assertThat(record.at("/unmapped/cloudevent/signedPayloadSha256").asText())
                            .isEqualTo(events.get(i + 1).get("chainprev").asText());
                }
            }
        }
    }

    /**
     * The records the DNS-aware egress adds to network_enforcement (dnsQueries, flows, deniedConnections, as
     * schema/events/network_enforcement.schema.json names them) become DNS Activity and Network Activity.
     */
    @Test
    void recordedQueriesFlowsAndDenialsBecomeDnsAndNetworkActivity() throws IOException {
        ObjectNode event = (ObjectNode) recordedEvents().stream()
                .filter(e -> e.get("type").asText().endsWith("network_enforcement") && e.get("cellid").asText().equals("ocsf-traffic"))
                .findFirst().orElseThrow().deepCopy();
        ObjectNode data = (ObjectNode) event.get("data");
        data.set("flows", JSON.readTree("""
                [{"destination": "198.51.100.7", "port": 443, "protocol": "tcp", "rules": ["egressRules[0]"],
                  "name": "registry.example.org", "connections": 2, "packetsOut": 12, "bytesOut": 900,
                  "packetsIn": 10, "bytesIn": 5400, "firstTime": "2026-12-03T18:50:40.100Z", "lastTime": "2026-12-03T18:50:41Z"}]"""));
        data.set("deniedConnections", JSON.readTree("""
                [{"destination": "2001:db8::9", "port": 80, "protocol": "tcp", "rule": "reject-tcp", "layer": "nftables",
                  "packets": 3, "firstTime": "2026-12-03T18:50:40Z", "lastTime": "2026-12-03T18:50:42Z"},
                 {"destination": "198.51.100.7", "port": 8443, "protocol": "tcp", "rule": "landlock:net.connect_tcp",
                  "layer": "landlock", "packets": 0, "attempts": 4,
                  "firstTime": "2026-12-03T18:50:40Z", "lastTime": "2026-12-03T18:50:42Z"}]"""));
        data.set("dnsQueries", JSON.readTree("""
                [{"name": "registry.example.org", "type": "A", "verdict": "allowed", "reason": "matches egressRules[0]",
                  "rules": ["egressRules[0]"], "rcode": "NOERROR", "answers": [{"address": "198.51.100.7", "ttl": 60, "openSeconds": 60}],
                  "cnames": [], "refusedAnswers": [], "count": 2, "firstTime": "2026-12-03T18:50:40Z", "lastTime": "2026-12-03T18:50:40.5Z"},
                 {"name": "exfil.attacker.example", "type": "TXT", "verdict": "denied", "reason": "no rule names it",
                  "rules": [], "rcode": "NXDOMAIN", "answers": [], "cnames": [], "refusedAnswers": [], "count": 1,
                  "firstTime": "2026-12-03T18:50:41Z", "lastTime": "2026-12-03T18:50:41Z"}]"""));
        List<ObjectNode> records = OcsfMapper.map(event);
        records.forEach(OcsfMappingTest::assertValid);
        ObjectNode flow = records.stream().filter(r -> r.get("type_uid").asInt() == 400106).findFirst().orElseThrow();
        assertThat(flow.at("/dst_endpoint/hostname").asText()).isEqualTo("registry.example.org");
        assertThat(flow.at("/traffic/bytes_in").asLong()).isEqualTo(5400);
        assertThat(flow.at("/firewall_rule/name").asText()).isEqualTo("egressRules[0]");
        assertThat(flow.get("count").asInt()).isEqualTo(2);
        ObjectNode denied = records.stream().filter(r -> r.get("type_uid").asInt() == 400105).findFirst().orElseThrow();
        assertThat(denied.get("disposition").asText()).isEqualTo("Blocked");
        assertThat(denied.at("/dst_endpoint/ip").asText()).isEqualTo("2001:db8::9");
        assertThat(denied.at("/firewall_rule/category").asText()).isEqualTo("nftables");
        ObjectNode byLandlock = records.stream().filter(r -> r.get("type_uid").asInt() == 400105
                && r.at("/firewall_rule/category").asText().equals("landlock")).findFirst().orElseThrow();
        assertThat(byLandlock.get("disposition").asText()).isEqualTo("Blocked");
        assertThat(byLandlock.get("count").asInt()).as("refused connects, no packet").isEqualTo(4);
        assertThat(byLandlock.has("traffic")).isFalse();
        assertThat(byLandlock.at("/firewall_rule/name").asText()).isEqualTo("landlock:net.connect_tcp");
        List<ObjectNode> dns = records.stream().filter(r -> r.get("class_uid").asInt() == 4003).toList();
        assertThat(dns).hasSize(2);
        assertThat(dns.get(0).at("/answers/0/rdata").asText()).isEqualTo("198.51.100.7");
        assertThat(dns.get(1).get("rcode").asText()).isEqualTo("NXDomain");
        assertThat(dns.get(1).get("action").asText()).isEqualTo("Denied");
        // with flows recorded, rule counters are not reported a second time as traffic
        assertThat(records.stream().filter(r -> r.has("firewall_rule")
                && r.at("/firewall_rule/name").asText().equals("multicast-listener-report"))).isEmpty();
    }

    @Test
    void anUnknownEventTypeBecomesABaseEventWithAllItsDataUnmapped() throws IOException {
        ObjectNode event = (ObjectNode) recordedEvents().get(0).deepCopy();
        event.put("type", "dev.cellos.events.cell.observability.v1.something_new");
        List<ObjectNode> records = OcsfMapper.map(event);
        assertThat(records).hasSize(1);
        assertValid(records.get(0));
        assertThat(records.get(0).get("class_uid").asInt()).isZero();
        assertThat(records.get(0).get("activity_name").asText()).isEqualTo("something_new");
        assertThat(records.get(0).at("/unmapped/data/argv").isArray()).isTrue();
    }

    @Test
    void commandLinesQuoteWhatAShellWouldSplit() {
        assertThat(OcsfMapper.commandLine(List.of("/usr/bin/make", "test"))).isEqualTo("/usr/bin/make test");
        assertThat(OcsfMapper.commandLine(List.of("echo", "it's", "", "a b"))).isEqualTo("echo 'it'\\''s' '' 'a b'");
    }

    private static Map<String, List<ObjectNode>> byCell() throws IOException {
        Map<String, List<ObjectNode>> byCell = new HashMap<>();
        for (JsonNode event : recordedEvents()) {
            byCell.computeIfAbsent(event.get("cellid").asText(), c -> new ArrayList<>()).addAll(OcsfMapper.map(event));
        }
        return byCell;
    }

    private static ObjectNode first(List<ObjectNode> records, int typeUid) {
        return records.stream().filter(r -> r.get("type_uid").asInt() == typeUid).findFirst().orElseThrow();
    }
}
