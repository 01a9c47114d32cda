package dev.cellrunner.runner.cell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.nft.AllowSets;
import dev.cellrunner.nft.CellRuleset;
import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.HostEgress;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.confine.ConfinementPlan;
import dev.cellrunner.runner.confine.ConfinementReport;
import dev.cellrunner.runner.confine.IdentityPlanner;
import dev.cellrunner.runner.confine.LandlockAccess;
import dev.cellrunner.runner.confine.LandlockPlan;
import dev.cellrunner.runner.confine.LandlockRule;
import dev.cellrunner.runner.confine.SeccompPlan;
import dev.cellrunner.runner.confine.SeccompPolicy;
import dev.cellrunner.runner.egress.CellNetNames;
import dev.cellrunner.runner.egress.EgressEventData;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.runner.mount.MountProgram;
import dev.cellrunner.runner.os.CellNamespaces;
import dev.cellrunner.spec.CellDocument;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;

/**
 * What {@code cell-runner plan} shows: a {@link CellPlan} as a JSON tree (names of environment
 * variables only, never values), or the refusal that keeps the cell from running; and the same tree as
 * indented text for people.
 */
public final class PlanDescription {
    /** An array of plain values longer than this is printed one value a line. */
    private static final int LONG_LINE = 160;

    private PlanDescription() {
    }

    public static ObjectNode of(CellPlan plan, Map<String, String> runnerEnv) {
        ObjectNode tree = head(plan.document(), plan.specDigest());
        tree.put("admitted", true);
        ArrayNode argv = tree.putArray("argv");
        plan.argv().forEach(argv::add);
        tree.put("executable", plan.executable().map(Object::toString)
                .orElse("(none found: the run would fail with exit 127)"));
        tree.put("workingDirectory", plan.workingDirectory().toString());
        environment(tree.putObject("environment"), plan, runnerEnv);
        ObjectNode lifetime = tree.putObject("lifetime");
        lifetime.put("ttlSeconds", plan.document().spec().lifetime().ttlSeconds());
        lifetime.put("killAfterMs", plan.lifetime().toMillis());
        lifetime.put("mechanism", "cgroup.kill of the cell's cgroup v2 leaf (the whole process tree)");
        network(tree.putObject("network"), plan);
        confinement(tree, plan.confinement(), plan.policy());
        return tree;
    }

    public static ObjectNode refused(CellDocument document, String specDigest, Refusal refusal) {
        ObjectNode tree = head(document, specDigest);
        tree.put("admitted", false);
        ObjectNode refused = tree.putObject("refused");
        refused.put("control", refusal.control());
        refused.put("reason", refusal.reason());
        refused.put("exitStatus", ExitCodes.REFUSED);
        return tree;
    }

    private static ObjectNode head(CellDocument document, String specDigest) {
        ObjectNode tree = CellEventData.JSON.createObjectNode();
        tree.put("cellId", document.spec().id());
        tree.put("specDigest", specDigest);
        return tree;
    }

    /** Variable names only; where each comes from says whether it is a secret. */
    private static void environment(ObjectNode env, CellPlan plan, Map<String, String> runnerEnv) {
        TreeSet<String> secrets = new TreeSet<>(plan.document().spec().authority().secretRefs());
        for (String name : new TreeSet<>(plan.environment().keySet())) {
            String source = secrets.contains(name) && runnerEnv.containsKey(CellPlanner.SECRET_PREFIX + name)
                    ? "secret (from " + CellPlanner.SECRET_PREFIX + name + ", value not shown)"
                    : plan.document().spec().run().env().containsKey(name) ? "run.env" : "runner default";
            env.put(name, source);
        }
    }

    private static void network(ObjectNode network, CellPlan plan) {
        network.put("isolationMode", "clone_newnet");
        boolean audit = plan.egressMode() == EgressMode.AUDIT;
        network.put("egressMode", plan.egressMode().wireName());
        network.put("uplink", audit ? "veth pair with a per-cell subnet, host-side filter admitting every destination "
                + "but the host itself (audit mode: the declared rules are compared, not enforced)"
                : plan.egress().isEmpty() ? "none: only lo"
                : "veth pair with a per-cell subnet, host-side filter admitting only the declared destinations");
        EgressEventData.declaredEgress(network.putArray("declaredEgress"), plan.egressRules(), plan.egress());
        network.put("hostEgress", plan.policy().allowHostEgress()
                ? "allowed (" + EgressPinning.ALLOW_OPTION + "): destinations on this host may be declared"
                : "refused: this host's addresses, the uplink pools, loopback, link-local, multicast and reserved "
                + "ranges (and their IPv6 embeddings) are never declared, resolved or forwarded to");
        ArrayNode pinned = network.putArray("pinned");
        for (PinnedRule rule : plan.egress()) {
            rule.destinations().forEach(destination -> pinned.add("egressRules[" + rule.index() + "]: " + destination
                    + " " + rule.declared().protocol().name().toLowerCase(java.util.Locale.ROOT) + " port "
                    + rule.declared().port()));
        }
        String table = CellNetNames.next().table();
        network.put("nftRuleset", CellRuleset.compile(table, AllowSets.of(plan.egress()),
                DnsPolicy.of(plan.egress(), audit), plan.policy().allowHostEgress() ? java.util.List.of()
                        : HostEgress.ranges(plan.hostAddresses())).text());
    }

    private static void confinement(ObjectNode tree, ConfinementPlan plan, RunnerPolicy policy) {
        tree.put("capabilities", "all sets emptied (effective, permitted, inheritable, ambient, bounding)");
        tree.put("noNewPrivs", true);
        tree.put("identity", IdentityPlanner.describe(plan.identity(), policy.uidRange()));
        tree.put("tempDir", plan.tempDir().toString());
        mounts(tree.putObject("mounts"), plan.mounts());
        landlock(tree.putObject("landlock"), plan);
        seccomp(tree.putObject("seccomp"), plan.seccomp());
        ArrayNode limits = tree.putArray("limits");
        for (LimitsPlan.Limit limit : plan.limits().limits()) {
            limits.addObject().put("name", limit.name()).put("value", limit.value())
                    .put("source", limit.source().label())
                    .put("heldBy", limit.mechanism().label() + " " + limit.controller());
        }
        LimitsPlan.TempSpace temp = plan.limits().tempSpace();
        limits.addObject().put("name", "tempMaxBytes").put("value", temp.bytes()).put("source", temp.source().label())
                .put("heldBy", ConfinementReport.TEMP_MECHANISM);
    }

    /** The namespaces and the mount table the cell will get, as the launch thread will build it. */
    private static void mounts(ObjectNode section, MountPlan mounts) {
        section.put("namespaces", "fresh " + String.join(", ", CellNamespaces.KINDS) + "; hostname from the cell id");
        section.put("pid1", "cell-init at " + MountPlan.INIT_PATH + " (from " + mounts.init() + ")");
        section.put("tempBytes", mounts.tempBytes());
        section.put("tempSource", mounts.tempSource());
        ArrayNode program = section.putArray("program");
        MountProgram.compile(mounts).forEach(op -> program.add(op.describe()));
        ArrayNode masked = section.putArray("masked");
        mounts.privatePaths().forEach(path -> masked.add(path.toString()));
    }

    private static void landlock(ObjectNode section, ConfinementPlan plan) {
        section.put("abi", plan.landlockAbi());
        if (plan.landlock().isEmpty()) {
            section.put("mode", "unavailable: this kernel has no landlock, and the document asks nothing of it");
            return;
        }
        LandlockPlan landlock = plan.landlock().get();
        section.put("mode", landlock.declared() ? "declared" : "default: read-only host");
        section.put("madeBy", landlock.madeByPid1()
                ? "pid1: rules on the cell's own /proc are added once it is mounted, and PID 1 makes the domain at its go"
                : "launch thread: the workload inherits the domain");
        ArrayNode rules = section.putArray("rules");
        for (LandlockRule rule : landlock.requested()) {
            ObjectNode entry = rules.addObject();
            entry.put("path", rule.path().toString());
            entry.put("access", String.join(",", LandlockAccess.filesystemNames(rule.access())));
            entry.put("source", rule.source());
        }
        // masked by the mount view in every mode; carved out of the rules only when the rules are declared
        ArrayNode privatePaths = section.putArray(landlock.declared() ? "carvedOut" : "maskedBelowReadOnlyHost");
        landlock.privatePaths().forEach(path -> privatePaths.add(path.toString()));
        ArrayNode ports = section.putArray("tcpConnectPorts");
        landlock.tcpConnectPorts().forEach(ports::add);
        if (!landlock.tcpBindPorts().isEmpty()) {
            ArrayNode bind = section.putArray("tcpBindPorts");
            landlock.tcpBindPorts().forEach(bind::add);
        }
        section.put("scoped", String.join(",", LandlockAccess.scopeNames(landlock.scoped())));
    }

    private static void seccomp(ObjectNode section, SeccompPlan plan) {
        ArrayNode denied = section.putArray("eperm");
        plan.denied().forEach(entry -> denied.add(entry.syscall() + (entry.source().equals(SeccompPlan.SPEC)
                ? " (" + SeccompPlan.SPEC + ")" : "")));
        ArrayNode enosys = section.putArray("enosys");
        plan.notImplemented().forEach(entry -> enosys.add(entry.syscall()));
        ArrayNode rules = section.putArray("argumentRules");
        for (SeccompPolicy.ArgumentRule rule : plan.argumentRules()) {
            rules.add(rule.syscall() + " when " + rule.when());
        }
    }

    /** The tree as indented "name: value" lines; arrays of plain values on one line, multi-line text indented. */
    public static String text(JsonNode tree) {
        StringBuilder out = new StringBuilder();
        write(out, tree, "");
        return out.toString();
    }

    private static void write(StringBuilder out, JsonNode node, String indent) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            out.append(indent).append(field.getKey()).append(':');
            value(out, field.getValue(), indent);
        }
    }

    private static void value(StringBuilder out, JsonNode value, String indent) {
        if (value.isObject()) {
            out.append('\n');
            write(out, value, indent + "  ");
        } else if (value.isArray() && value.size() > 0 && value.get(0).isContainerNode()) {
            out.append('\n');
            for (JsonNode element : value) {
                out.append(indent).append("  -");
                if (element.isObject()) {
                    StringBuilder item = new StringBuilder();
                    write(item, element, indent + "    ");
                    out.append(' ').append(item.substring(indent.length() + 4));
                } else {
                    value(out, element, indent + "  ");
                }
            }
        } else if (value.isArray()) {
            StringBuilder line = new StringBuilder();
            value.forEach(element -> line.append(line.length() == 0 ? "" : ", ").append(element.asText()));
            if (line.length() > LONG_LINE) {
                out.append('\n'); // e.g. the mount program: one step a line
                value.forEach(element -> out.append(indent).append("  - ").append(element.asText()).append('\n'));
                return;
            }
            out.append(line.length() == 0 ? " (none)" : " " + line).append('\n');
        } else if (value.isTextual() && value.asText().contains("\n")) {
            out.append('\n');
            value.asText().lines().forEach(l -> out.append(indent).append("    ").append(l).append('\n'));
        } else {
            out.append(' ').append(value.isNull() ? "(none)" : value.asText()).append('\n');
        }
    }
}
