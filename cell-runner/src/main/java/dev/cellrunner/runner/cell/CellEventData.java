package dev.cellrunner.runner.cell;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.runner.egress.EgressEventData;
import dev.cellrunner.runner.egress.NetworkEnforcement;
import dev.cellrunner.runner.egress.NetworkSetup;
import dev.cellrunner.runner.os.ExitStatus;
import dev.cellrunner.runner.records.LandlockDenialRecord;
import dev.cellrunner.runner.records.LandlockDenials;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.Run;

import java.util.List;

/** The {@code data} of each contract event; every field name of the wire contract is spelled here. */
final class CellEventData {
    static final ObjectMapper JSON = new ObjectMapper();

    private CellEventData() {
    }

    static ObjectNode started(CellDocument document, String specDigest, SigningKey key) {
        Run run = document.spec().run();
        ObjectNode data = JSON.createObjectNode();
        data.put("specDigest", specDigest);
        data.set("argv", strings(run.argv()));
        data.put("ttlSeconds", document.spec().lifetime().ttlSeconds());
        if (run.timeoutMs() != null) {
            data.put("timeoutMs", run.timeoutMs());
        }
        if (run.workingDirectory() != null) {
            data.put("workingDirectory", run.workingDirectory());
        }
        data.put("signingKeyId", key.keyId());
        data.put("signingPublicKey", key.publicKey().base64Url());
        data.put("signingKeyEphemeral", key.ephemeral());
        if (key.label() != null) {
            data.put("signingKeyLabel", key.label());
        }
        return data;
    }

    /** What a refused control event carries: which control, and why it cannot be enforced. */
    static ObjectNode refused(Refusal refusal) {
        ObjectNode data = JSON.createObjectNode();
        ObjectNode refused = data.putObject("refused");
        refused.put("control", refusal.control());
        refused.put("reason", refusal.reason());
        return data;
    }

    /** {@code network} is what was put in place beyond the namespace (null when setting up did not start). */
    static ObjectNode networkPolicy(CellPlan plan, NamespaceObservation observed, NetworkSetup network) {
        ObjectNode data = JSON.createObjectNode();
        data.put("isolationMode", "clone_newnet");
        data.put("declaredEgressCount", plan.egressRules().size());
        EgressEventData.declaredEgress(data.putArray("declaredEgress"), plan.egressRules(), plan.egress());
        data.put("hostEgressAllowed", plan.policy().allowHostEgress());
        EgressEventData.mode(data, plan.egressMode(), plan.policy().allowHostEgress());
        ObjectNode namespace = data.putObject("namespace");
        namespace.put("enforced", observed.isolated());
        namespace.put("cellNamespace", observed.cellNamespace());
        namespace.put("runnerNamespace", observed.runnerNamespace());
        namespace.set("interfaces", strings(observed.interfaces()));
        namespace.put("observedVia", observed.observedVia());
        if (observed.failure() != null) {
            namespace.put("failure", observed.failure());
        }
        EgressEventData.policy(data, network);
        return data;
    }

    /** {@code after} is null when the command never ran. */
    static ObjectNode networkEnforcement(CellPlan plan, ExitStatus exit, NetworkSetup network, NetworkEnforcement after) {
        ObjectNode data = JSON.createObjectNode();
        data.put("isolationMode", "clone_newnet");
        data.put("declaredEgressRuleCount", plan.egressRules().size());
        EgressEventData.mode(data, plan.egressMode(), plan.policy().allowHostEgress());
        if (exit == null) {
            data.putNull("commandExitCode");
        } else {
            data.put("commandExitCode", exit.shellStatus());
        }
        EgressEventData.enforcement(data, network, after);
        return data;
    }

    static ObjectNode completed(Outcome outcome) {
        ObjectNode data = JSON.createObjectNode();
        data.put("exitCode", outcome.exitCode());
        if (outcome.exit() != null && outcome.exit().signal() != null) {
            data.put("signal", outcome.exit().signal());
            data.put("coreDumped", outcome.exit().coreDumped());
        } else {
            data.putNull("signal");
        }
        data.put("durationMs", outcome.durationMs());
        data.put("timedOut", outcome.timedOut());
        if (outcome.spawnError() == null) {
            data.putNull("spawnError");
        } else {
            data.put("spawnError", outcome.spawnError());
        }
        data.put("stdoutBytes", outcome.stdoutBytes());
        data.put("stderrBytes", outcome.stderrBytes());
        return data;
    }

    /**
     * {@code landlockDenials}: what the kernel's landlock audit records said the cell was refused (path or
     * destination, the missing rights, how often; bounded), or {@code recorded: false} and why not.
     */
    static void landlockDenials(ObjectNode completed, LandlockDenials denials) {
        ObjectNode section = completed.putObject("landlockDenials");
        section.put("recorded", denials.recorded());
        if (denials.reason() != null) {
            section.put("reason", denials.reason());
        }
        ArrayNode entries = section.putArray("entries");
        for (LandlockDenialRecord denial : denials.entries()) {
            ObjectNode entry = entries.addObject();
            if (denial.path() != null) {
                entry.put("path", denial.path());
            }
            if (denial.address() != null) {
                entry.put("destination", denial.address());
                entry.put("port", denial.port());
            }
            entry.set("access", strings(denial.blockers()));
            entry.put("count", denial.count());
            entry.put("firstTime", denial.first().toString());
            entry.put("lastTime", denial.last().toString());
        }
        EgressEventData.putTotals(section.putObject("totals"), denials.totals());
    }

    static ObjectNode destroyed(String outcome, String terminalState, String reason) {
        ObjectNode data = JSON.createObjectNode();
        data.put("outcome", outcome);
        data.put("terminalState", terminalState);
        if (reason != null) {
            data.put("reason", reason);
        }
        return data;
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }
}
