package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.observe.ProcStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code data} of the {@code confinement} event: for each control what was requested next to what
 * the kernel shows for the running workload (its /proc files) or answered to a probe, with
 * {@code enforced} and {@code observedVia}. Every control that does not hold is a mismatch; the cell
 * is killed for any.
 */
public final class ConfinementReport {
    /** How /proc/&lt;pid&gt;/status prints an empty capability set. */
    public static final String NO_CAPABILITIES = "0000000000000000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode data = JSON.createObjectNode();
    private final List<String> mismatches = new ArrayList<>();

    private ConfinementReport() {
    }

    /** Compares {@code plan} with what the kernel reports for process {@code pid}. */
    public static ConfinementReport of(ConfinementPlan plan, List<Probe> probes, long pid, ProcStatus status) {
        ConfinementReport report = new ConfinementReport();
        String statusFile = "/proc/" + pid + "/status";
        report.data.put("pid", pid);
        report.capabilities(status, statusFile);
        report.noNewPrivs(status, statusFile);
        report.seccomp(plan.seccomp(), probes, status, statusFile);
        report.data.put("enforced", report.mismatches.isEmpty());
        ArrayNode list = report.data.putArray("mismatches");
        report.mismatches.forEach(list::add);
        return report;
    }

    public ObjectNode data() {
        return data;
    }

    public List<String> mismatches() {
        return List.copyOf(mismatches);
    }

    private void capabilities(ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("capabilities");
        ObjectNode requested = section.putObject("requested");
        ObjectNode observed = section.putObject("observed");
        String[][] sets = {{"inheritable", status.capInh()}, {"permitted", status.capPrm()},
                {"effective", status.capEff()}, {"bounding", status.capBnd()}, {"ambient", status.capAmb()}};
        boolean empty = true;
        for (String[] set : sets) {
            requested.put(set[0], NO_CAPABILITIES);
            observed.put(set[0], set[1]);
            empty &= NO_CAPABILITIES.equals(set[1]);
        }
        enforced(section, "capabilities", empty, statusFile + " CapInh/CapPrm/CapEff/CapBnd/CapAmb");
    }

    private void noNewPrivs(ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("noNewPrivs");
        section.put("requested", true);
        section.put("observed", status.noNewPrivs());
        enforced(section, "noNewPrivs", "1".equals(status.noNewPrivs()), statusFile + " NoNewPrivs");
    }

    private void seccomp(SeccompPlan plan, List<Probe> probes, ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("seccomp");
        section.put("mode", "filter");
        section.put("architecture", "x86_64 only: any other architecture and the x32 ABI are killed");
        boolean filtered = "2".equals(status.seccomp()) && atLeastOne(status.seccompFilters());
        boolean probed = probes.stream().filter(p -> p.control().equals("seccomp")).allMatch(Probe::holds);
        String via = statusFile + " Seccomp/Seccomp_filters and probes from the launch thread";
        ArrayNode denied = section.putArray("denied");
        for (SeccompPlan.Entry entry : plan.denied()) {
            syscall(denied.addObject(), entry, "EPERM", filtered && probed);
        }
        ArrayNode enosys = section.putArray("enosys");
        for (SeccompPlan.Entry entry : plan.notImplemented()) {
            syscall(enosys.addObject(), entry, "ENOSYS", filtered && probed);
        }
        ArrayNode rules = section.putArray("argumentRules");
        for (SeccompPolicy.ArgumentRule rule : plan.argumentRules()) {
            ObjectNode entry = rules.addObject();
            entry.put("syscall", rule.syscall());
            entry.put("when", rule.when());
            entry.put("errno", "EPERM");
            entry.put("reason", rule.reason());
        }
        ObjectNode observed = section.putObject("observed");
        observed.put("seccomp", status.seccomp());
        observed.put("seccompFilters", status.seccompFilters());
        section.set("probes", probes(probes, "seccomp"));
        enforced(section, "seccomp", filtered && probed, via);
    }

    private static void syscall(ObjectNode entry, SeccompPlan.Entry plan, String errno, boolean enforced) {
        entry.put("syscall", plan.syscall());
        entry.put("number", plan.number());
        entry.put("errno", errno);
        entry.put("source", plan.source());
        entry.put("reason", plan.reason());
        entry.put("enforced", enforced);
    }

    private static ArrayNode probes(List<Probe> probes, String control) {
        ArrayNode list = JSON.createArrayNode();
        for (Probe probe : probes) {
            if (probe.control().equals(control)) {
                ObjectNode entry = list.addObject();
                entry.put("probe", probe.probe());
                entry.put("expected", probe.expected());
                entry.put("observed", probe.observed());
            }
        }
        return list;
    }

    private void enforced(ObjectNode section, String control, boolean holds, String via) {
        section.put("enforced", holds);
        section.put("observedVia", via);
        if (!holds) {
            mismatches.add(control + ": requested " + section.get("requested") + ", observed "
                    + Objects.requireNonNullElse(section.get("observed"), section.get("probes")));
        }
    }

    private static boolean atLeastOne(String count) {
        try {
            return count != null && Integer.parseInt(count.trim()) >= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
