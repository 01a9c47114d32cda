package dev.cellrunner.runner.egress;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.nft.Counter;
import dev.cellrunner.nft.EgressCounters;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.records.DeniedConnectionRecord;
import dev.cellrunner.runner.records.DnsQueryRecord;
import dev.cellrunner.runner.records.FlowRecord;
import dev.cellrunner.runner.records.NetworkRecords;
import dev.cellrunner.runner.records.Totals;
import dev.cellrunner.runner.records.WouldBeDenied;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.spec.EgressRule;

import java.util.List;
import java.util.Map;

/** The egress fields of network_policy and network_enforcement; every wire name of those fields is here. */
public final class EgressEventData {
    private EgressEventData() {
    }

    /** {@code declaredEgress[]} with what each hostname resolved to (literal rules: empty). */
    public static void declaredEgress(ArrayNode declared, List<EgressRule> rules, List<PinnedRule> pinned) {
        for (int i = 0; i < rules.size(); i++) {
            ObjectNode entry = declared.addObject();
            putRule(entry, rules.get(i));
            ArrayNode resolved = entry.putArray("resolved");
            if (i < pinned.size() && pinned.get(i).fromHostname()) {
                pinned.get(i).destinations().forEach(d -> resolved.add(d.toString()));
            }
        }
    }

    /**
     * {@code egressMode} ("enforce" or "audit": the one field a SIEM rule keys on) and {@code egress}: whether
     * the declared rules are enforced or only compared with what the cell does.
     */
    public static void mode(ObjectNode data, EgressMode mode, boolean hostEgressAllowed) {
        data.put("egressMode", mode.wireName());
        ObjectNode egress = data.putObject("egress");
        egress.put("mode", mode.wireName());
        egress.put("enforced", mode == EgressMode.ENFORCE);
        if (mode == EgressMode.AUDIT) {
            egress.put("why", "audit mode: every destination but the host itself is reachable and every name is "
                    + "answered; the declared rules are compared with the records (wouldBeDenied), not enforced");
            egress.put("neverAllowed", hostEgressAllowed ? "nothing: the runner allows host egress"
                    : "the host's own addresses, the uplink pools, loopback, link-local, multicast and reserved ranges");
        }
    }

    /** network_policy's {@code enforcement}: what was put in place before the command, as read back. */
    public static void policy(ObjectNode data, NetworkSetup setup) {
        if (setup == null) {
            return;
        }
        ObjectNode enforcement = data.putObject("enforcement");
        enforcement.put("nftTable", setup.table());
        enforcement.put("nftRulesApplied", setup.nftRulesApplied());
        enforcement.put("rulesetDigest", setup.rulesetDigest());
        enforcement.put("setElements", setup.ruleElements());
        enforcement.put("applyMillis", Math.round(setup.applyMillis() * 10) / 10.0);
        enforcement.put("uplinkMillis", Math.round(setup.uplinkMillis() * 10) / 10.0);
        enforcement.put("observedVia", "libnftables list ruleset (JSON, as nft -j) inside the cell's namespace");
        enforcement.put("supplementaryEgressFilterActive", setup.supplementaryFilter());
        NetworkSetup.Uplink uplink = setup.uplink();
        if (uplink == null) {
            enforcement.putNull("uplink");
        } else {
            ObjectNode link = enforcement.putObject("uplink");
            link.put("hostInterface", uplink.hostInterface());
            link.put("cellInterface", uplink.cellInterface());
            uplink.cellAddresses().forEach(link.withArray("cellAddresses")::add);
            uplink.gateways().forEach(link.withArray("gateways")::add);
            uplink.forwardingSwitchedOn().forEach(link.withArray("forwardingSwitchedOn")::add);
        }
        if (setup.failure() != null) {
            enforcement.put("failure", setup.failure());
        }
    }

    /** network_enforcement's egress fields; {@code after} is null when the command never ran. */
    public static void enforcement(ObjectNode data, NetworkSetup setup, NetworkEnforcement after) {
        data.put("nftRulesApplied", setup != null && setup.nftRulesApplied());
        data.put("supplementaryEgressFilterActive", setup != null && setup.supplementaryFilter());
        data.put("rulesetDigest", setup == null ? null : setup.rulesetDigest());
        ArrayNode counters = data.putArray("ruleCounters");
        if (after == null || after.counters() == null) {
            data.putNull("droppedPackets");
        } else {
            EgressCounters read = after.counters();
            for (EgressCounters.DeclaredRuleCount count : read.declared()) {
                ObjectNode entry = counters.addObject();
                entry.put("rule", "egressRules[" + count.rule().index() + "]");
                putRule(entry, count.rule().declared());
                entry.put("verdict", "accept");
                putCounter(entry, count.accepted());
            }
            for (Map.Entry<String, EgressCounters.FixedRuleCount> fixed : read.fixedRules().entrySet()) {
                if (fixed.getKey().startsWith("allow-")) {
                    continue; // the per-set totals; the declared rules above break them down
                }
                ObjectNode entry = counters.addObject();
                entry.put("rule", fixed.getKey());
                entry.put("verdict", fixed.getValue().verdict());
                putCounter(entry, fixed.getValue().counter());
            }
            data.put("droppedPackets", read.droppedPackets());
        }
        if (after != null) {
            data.put("rulesetDigestAfterRun", after.digestAfterRun());
            data.put("rulesetUnchanged", after.rulesetUnchanged());
            if (after.hostDroppedPackets() != null) {
                data.put("supplementaryDroppedPackets", after.hostDroppedPackets());
            }
            if (after.failure() != null) {
                data.put("counterFailure", after.failure());
            }
            if (after.records() != null) {
                records(data, after.records());
            }
            if (after.wouldBeDenied() != null) {
                wouldBeDenied(data.putArray("wouldBeDenied"), after.wouldBeDenied());
            }
        }
        if (setup != null && setup.failure() != null) {
            data.put("failure", setup.failure());
        }
    }

    /** {@code dnsQueries[]}, {@code flows[]}, {@code deniedConnections[]} and their totals in {@code networkRecords}. */
    static void records(ObjectNode data, NetworkRecords records) {
        ArrayNode queries = data.putArray("dnsQueries");
        for (DnsQueryRecord query : records.dnsQueries()) {
            ObjectNode entry = queries.addObject();
            entry.put("name", query.name());
            entry.put("type", query.type());
            entry.put("verdict", query.verdict().wireName());
            entry.put("reason", query.reason());
            query.rules().forEach(entry.putArray("rules")::add);
            entry.put("rcode", query.rcode());
            ArrayNode answers = entry.putArray("answers");
            for (DnsQueryRecord.Answer answer : query.answers()) {
                answers.addObject().put("address", answer.address()).put("ttl", answer.ttl())
                        .put("openSeconds", answer.openSeconds());
            }
            query.cnames().forEach(entry.putArray("cnames")::add);
            ArrayNode refused = entry.putArray("refusedAnswers");
            for (DnsQueryRecord.Refused withheld : query.refused()) {
                refused.addObject().put("address", withheld.address()).put("reason", withheld.reason());
            }
            entry.put("count", query.count());
            entry.put("firstTime", query.first().toString());
            entry.put("lastTime", query.last().toString());
        }
        ArrayNode flows = data.putArray("flows");
        for (FlowRecord flow : records.flows()) {
            ObjectNode entry = flows.addObject();
            entry.put("destination", flow.destination());
            entry.put("port", flow.port());
            entry.put("protocol", flow.protocol());
            flow.rules().forEach(entry.putArray("rules")::add);
            entry.put("name", flow.name());
            entry.put("connections", flow.connections());
            entry.put("packetsOut", flow.packetsOut());
            entry.put("bytesOut", flow.bytesOut());
            entry.put("packetsIn", flow.packetsIn());
            entry.put("bytesIn", flow.bytesIn());
            entry.put("firstTime", flow.first().toString());
            entry.put("lastTime", flow.last().toString());
        }
        ArrayNode denied = data.putArray("deniedConnections");
        for (DeniedConnectionRecord connection : records.deniedConnections()) {
            ObjectNode entry = denied.addObject().put("destination", connection.destination())
                    .put("port", connection.port()).put("protocol", connection.protocol()).put("rule", connection.rule())
                    .put("layer", connection.layer()).put("packets", connection.packets());
            if (connection.layer().equals(DeniedConnectionRecord.LANDLOCK)) {
                entry.put("attempts", connection.attempts());
            }
            entry.put("firstTime", connection.first().toString()).put("lastTime", connection.last().toString());
        }
        ObjectNode totals = data.putObject("networkRecords");
        putTotals(totals.putObject("dnsQueries"), records.dnsTotals());
        putTotals(totals.putObject("flows"), records.flowTotals());
        putTotals(totals.putObject("deniedConnections"), records.deniedTotals());
        records.unrecorded().forEach(totals.putArray("notRecorded")::add);
    }

    /** Audit mode: each flow or query the declared rules would have denied, and why. */
    static void wouldBeDenied(ArrayNode list, List<WouldBeDenied.Entry> entries) {
        for (WouldBeDenied.Entry entry : entries) {
            ObjectNode item = list.addObject();
            item.put("kind", entry.kind().wireName());
            if (entry.kind() == WouldBeDenied.Kind.FLOW) {
                item.put("destination", entry.destination());
                item.put("port", entry.port());
                item.put("protocol", entry.protocol());
            }
            if (entry.name() != null) {
                item.put("name", entry.name());
            }
            if (entry.type() != null) {
                item.put("type", entry.type());
            }
            item.put("reason", entry.reason());
        }
    }

    /** A bounded list's totals: entries, events, dropped, truncated, limit. */
    public static void putTotals(ObjectNode entry, Totals totals) {
        entry.put("entries", totals.entries());
        entry.put("events", totals.events());
        entry.put("dropped", totals.dropped());
        entry.put("truncated", totals.truncated());
        entry.put("limit", totals.limit());
    }

    private static void putRule(ObjectNode entry, EgressRule rule) {
        entry.put("host", rule.host());
        entry.put("port", rule.port());
        entry.put("protocol", rule.protocol().wireName());
    }

    private static void putCounter(ObjectNode entry, Counter counter) {
        entry.put("packets", counter.packets());
        entry.put("bytes", counter.bytes());
    }
}
