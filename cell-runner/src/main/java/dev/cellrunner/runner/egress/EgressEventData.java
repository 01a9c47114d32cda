package dev.cellrunner.runner.egress;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.nft.Counter;
import dev.cellrunner.nft.EgressCounters;
import dev.cellrunner.nft.PinnedRule;
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
        }
        if (setup != null && setup.failure() != null) {
            data.put("failure", setup.failure());
        }
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
