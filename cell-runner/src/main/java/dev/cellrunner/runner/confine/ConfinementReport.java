package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.cgroup.CellLimits;
import dev.cellrunner.runner.cgroup.CgroupObservation;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.runner.mount.MountedCell;
import dev.cellrunner.runner.observe.CellView;
import dev.cellrunner.runner.observe.MountInfo;
import dev.cellrunner.runner.observe.ProcStatus;
import dev.cellrunner.runner.os.CellNamespaces;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code data} of the {@code confinement} event: for each control what was requested next to what
 * the kernel shows for the running workload (its /proc files) or answered to a probe, with
 * {@code enforced} and {@code observedVia}. Every control that does not hold is a mismatch; the cell
 * is killed for any.
 */
public final class ConfinementReport {
    /** How /proc/&lt;pid&gt;/status prints an empty capability set. */
    public static final String NO_CAPABILITIES = "0000000000000000";
    /** How the cell's temp space is bounded. */
    public static final String TEMP_MECHANISM = "size of the tmpfs of the cell's /tmp, /var/tmp and /dev/shm";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode data = JSON.createObjectNode();
    private final List<String> mismatches = new ArrayList<>();

    private ConfinementReport() {
    }

    /**
     * Compares {@code plan} with what the kernel reports for the cell's PID 1, process {@code pid},
     * observed before it starts the workload (which inherits exactly its confinement).
     */
    public static ConfinementReport of(ConfinementPlan plan, List<Probe> probes, long pid, ProcStatus status,
                                       CgroupObservation cgroups, CellView view, MountedCell mounted, String hostname) {
        ConfinementReport report = new ConfinementReport();
        String statusFile = "/proc/" + pid + "/status";
        report.data.putNull("pid");
        report.data.put("tempDir", plan.tempDir().toString());
        report.pid1(pid, status, statusFile);
        report.namespaces(view, hostname, "/proc/" + pid + "/ns/* against /proc/self/ns/* of the runner");
        report.mounts(plan.mounts(), view, mounted, "/proc/" + pid + "/mountinfo and /proc/" + pid + "/root");
        report.capabilities(status, statusFile);
        report.identity(plan.identity(), status, statusFile);
        report.noNewPrivs(status, statusFile);
        report.landlock(plan, probes);
        report.seccomp(plan.seccomp(), probes, status, statusFile);
        report.cgroups(cgroups, status.exited(), "/proc/" + pid + "/cgroup");
        report.limits(cgroups, plan.limits().tempSpace());
        report.summarize();
        return report;
    }

    /** The workload as cell-init started it: its pid on the host (the event's {@code pid}) and in the cell. */
    public void workload(long hostPid, int cellPid) {
        data.put("pid", hostPid);
        ObjectNode pid1 = (ObjectNode) data.get("pid1");
        pid1.putObject("workload").put("hostPid", hostPid).put("cellPid", cellPid);
    }

    private void pid1(long pid, ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("pid1");
        section.put("requested", "cell-init (" + MountPlan.INIT_PATH + "): reaps orphans, passes SIGTERM, SIGINT, "
                + "SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 on, parent-death signal SIGKILL");
        ObjectNode observed = section.putObject("observed");
        observed.put("hostPid", pid);
        observed.put("cellPid", status.pidInItsNamespace());
        enforced(section, "pid1", "1".equals(status.pidInItsNamespace()), statusFile + " NSpid");
    }

    private void namespaces(CellView view, String hostname, String via) {
        ObjectNode section = data.putObject("namespaces");
        section.put("requested", "fresh " + String.join(", ", CellNamespaces.KINDS) + " namespaces; hostname " + hostname);
        ObjectNode observed = section.putObject("observed");
        boolean separate = true;
        for (CellView.Namespace namespace : view.namespaces()) {
            observed.putObject(namespace.kind()).put("cell", namespace.cell()).put("runner", namespace.runner());
            separate &= namespace.separate();
        }
        section.put("hostname", hostname);
        enforced(section, "namespaces", separate, via);
    }

    private void mounts(MountPlan plan, CellView view, MountedCell mounted, String via) {
        ObjectNode section = data.putObject("mounts");
        ObjectNode requested = section.putObject("requested");
        requested.put("root", "the host's tree, read-only, nosuid, nodev");
        requested.put("tempBytes", plan.tempBytes());
        requested.put("tempSource", plan.tempSource());
        requested.put("tmp", "one tmpfs at /tmp, /var/tmp and /dev/shm");
        requested.put("proc", "proc of the cell's PID namespace");
        ObjectNode observed = section.putObject("observed");
        Optional<MountInfo.Entry> root = view.mounts().at("/");
        Optional<MountInfo.Entry> tmp = view.mounts().at("/tmp");
        Optional<MountInfo.Entry> proc = view.mounts().at("/proc");
        observed.put("root", root.map(MountInfo.Entry::mountOptions).orElse("(none)"));
        observed.put("tmp", tmp.map(e -> e.fsType() + " size=" + e.superOption("size").orElse("?")).orElse("(none)"));
        observed.put("proc", proc.map(MountInfo.Entry::fsType).orElse("(none)"));
        long tmpBytes = tmp.flatMap(e -> e.superOption("size")).map(MountInfo::sizeInBytes).orElse(-1L);
        boolean procOfCell = MountedCell.PROC_OF_CELL.equals(mounted.proc());
        if (!procOfCell) {
            section.put("procFallback", "an empty read-only /proc: " + mounted.proc());
        }
        ArrayNode declared = section.putArray("declared");
        for (MountedCell.Declared d : mounted.declared()) {
            declared.addObject().put("declared", d.plan().declared()).put("mounted", d.real().toString())
                    .put("access", d.plan().access() == MountPlan.Access.READ_WRITE ? "readWrite" : "readOnly")
                    .put("source", d.plan().source());
        }
        ArrayNode privates = section.putArray("privatePaths");
        view.privates().forEach(p -> privates.addObject().put("path", p.path().toString()).put("seen", p.seen()));
        ArrayNode table = section.putArray("table");
        view.mounts().entries().forEach(e -> table.addObject().put("mountPoint", e.mountPoint()).put("fsType", e.fsType())
                .put("options", e.mountOptions()));
        boolean holds = root.map(MountInfo.Entry::readOnly).orElse(false)
                && tmp.map(e -> e.fsType().equals("tmpfs")).orElse(false)
                && tmpBytes > 0 && tmpBytes <= plan.tempBytes() && tmpBytes > plan.tempBytes() - 4096
                && proc.map(e -> e.fsType().equals(procOfCell ? "proc" : "tmpfs")).orElse(false)
                && view.privates().stream().allMatch(CellView.PrivatePath::hidden);
        enforced(section, "mounts", holds, via);
    }

    public ObjectNode data() {
        return data;
    }

    public List<String> mismatches() {
        return List.copyOf(mismatches);
    }

    /** Why the cell must die ("confinement mismatch: ..."), or empty when every control holds. */
    public Optional<String> mismatch() {
        return mismatches.isEmpty() ? Optional.empty()
                : Optional.of("confinement mismatch: " + String.join("; ", mismatches));
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

    private void identity(Identity identity, ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("identity");
        ObjectNode observed = section.putObject("observed");
        String uids = words(status.uid());
        String gids = words(status.gid());
        observed.put("uid", uids);
        observed.put("gid", gids);
        observed.put("groups", words(status.groups()));
        ObjectNode requested = section.putObject("requested");
        requested.put("source", identity.source().label());
        requested.put("user", identity.user());
        requested.put("group", identity.group());
        requested.put("uid", identity.uid());
        requested.put("gid", identity.gid());
        boolean holds = identity.resolved() && uids.equals(repeat(identity.uid())) && gids.equals(repeat(identity.gid()))
                && words(status.groups()).equals(Integer.toString(identity.gid()));
        enforced(section, "identity", holds, statusFile + " Uid/Gid/Groups");
    }

    private void landlock(ConfinementPlan plan, List<Probe> probes) {
        ObjectNode section = data.putObject("landlock");
        section.put("abi", plan.landlockAbi());
        if (plan.landlock().isEmpty()) {
            section.put("mode", "unavailable");
            section.put("requested", false);
            section.put("enforced", false);
            section.put("observedVia", "landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION) answered no ABI");
            return;
        }
        LandlockPlan landlock = plan.landlock().get();
        section.put("mode", landlock.declared() ? "declared" : "default: read-only host");
        section.put("requested", landlock.declared());
        section.set("handledAccessFs", strings(LandlockAccess.filesystemNames(landlock.handledFs())));
        section.set("handledAccessNet", strings(LandlockAccess.networkNames(landlock.handledNet())));
        section.set("scoped", strings(LandlockAccess.scopeNames(landlock.scoped())));
        ArrayNode rules = section.putArray("rules");
        for (LandlockRule rule : landlock.requested()) {
            ObjectNode entry = rules.addObject();
            entry.put("path", rule.path().toString());
            entry.set("access", strings(LandlockAccess.filesystemNames(rule.access())));
            entry.put("source", rule.source());
            ArrayNode except = JSON.createArrayNode();
            landlock.carvedFrom(rule).forEach(path -> except.add(path.toString()));
            if (!except.isEmpty()) {
                entry.set("except", except);
            }
        }
        section.put("rulesApplied", landlock.rules().size());
        ArrayNode ports = section.putArray("tcpConnectPorts");
        landlock.tcpConnectPorts().forEach(ports::add);
        if (!landlock.tcpBindPorts().isEmpty()) {
            ArrayNode bind = section.putArray("tcpBindPorts");
            landlock.tcpBindPorts().forEach(bind::add);
        }
        if (landlock.networkAudited()) {
            // the one control of this event that audit mode only watches
            section.putObject("network").put("egressMode", "audit").put("enforced", false)
                    .put("why", "audit mode: TCP connect and bind rules left out, so that a connect to an undeclared "
                            + "port leaves a packet the records can show; the cell's egress is recorded in "
                            + "network_enforcement, not enforced");
        }
        section.set("probes", probes(probes, "landlock"));
        boolean holds = probes.stream().filter(p -> p.control().equals("landlock")).allMatch(Probe::holds);
        if (landlock.madeByPid1()) {
            section.put("madeBy", "pid1");
            enforced(section, "landlock", holds, "probes from the launch thread after landlock_restrict_self with "
                    + "the ruleset PID 1 holds, completed with the rules on the cell's /proc once that was mounted; "
                    + "PID 1 restricts itself to that ruleset at its go, before it starts the workload, and probes it");
        } else {
            section.put("madeBy", "launch thread");
            enforced(section, "landlock", holds,
                    "probes from the launch thread after landlock_restrict_self; the workload inherits its domain");
        }
    }

    /**
     * PID 1 has restricted itself to the cell's landlock ruleset ({@link LandlockPlan#madeByPid1}), and
     * {@code probe} is what its own probe of the domain then answered (none when a rule grants "/").
     */
    public void landlockMadeByPid1(Optional<Probe> probe) {
        ObjectNode section = (ObjectNode) data.get("landlock");
        ObjectNode byPid1 = section.putObject("pid1");
        byPid1.put("restricted", true);
        if (probe.isPresent()) {
            ((ArrayNode) section.get("probes")).addAll(probes(List.of(probe.get()), "landlock"));
            if (!probe.get().holds()) {
                mismatches.add("landlock: " + probe.get().probe() + " answered " + probe.get().observed() + ", expected "
                        + probe.get().expected());
                section.put("enforced", false);
                summarize();
            }
        }
    }

    /** The report's verdict: enforced when no control mismatched, and the list of those that did. */
    private void summarize() {
        data.put("enforced", mismatches.isEmpty());
        ArrayNode list = data.putArray("mismatches");
        mismatches.forEach(list::add);
    }

    private void noNewPrivs(ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("noNewPrivs");
        section.put("requested", true);
        section.put("observed", status.noNewPrivs());
        enforced(section, "noNewPrivs", "1".equals(status.noNewPrivs()), statusFile + " NoNewPrivs");
    }

    private void seccomp(SeccompPlan plan, List<Probe> probes, ProcStatus status, String statusFile) {
        ObjectNode section = data.putObject("seccomp");
        section.put("architecture", "x86_64 only: any other architecture and the x32 ABI are killed");
        ObjectNode requested = section.putObject("requested");
        requested.put("seccomp", "2");
        requested.put("seccompFilters", "at least 1");
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

    private void cgroups(CgroupObservation cgroups, boolean exited, String cgroupFile) {
        ObjectNode section = data.putObject("cgroups");
        ObjectNode requested = section.putObject("requested");
        cgroups.expected().forEach((hierarchy, group) -> requested.put(hierarchy, group.toString()));
        if (exited) {
            // cgroup v1 shows an exited process in the root groups: where it ran is no longer visible
            section.put("observed", "the process had already exited");
            section.putNull("enforced");
            section.put("observedVia", cgroupFile);
            return;
        }
        ObjectNode observed = section.putObject("observed");
        cgroups.expected().keySet().forEach(hierarchy -> observed.put(hierarchy, cgroups.observed().get(hierarchy)));
        enforced(section, "cgroups", cgroups.inExpectedGroups(), cgroupFile);
    }

    /** Each limit with who set it (the document or the runner's default) next to what its group holds. */
    private void limits(CgroupObservation cgroups, LimitsPlan.TempSpace temp) {
        ObjectNode section = data.putObject("limits");
        for (CellLimits.LimitObservation observation : cgroups.limits()) {
            LimitsPlan.Limit limit = observation.limit();
            ObjectNode entry = section.putObject(limit.name());
            entry.put("requested", limit.value());
            entry.put("source", limit.source().label());
            entry.put("mechanism", limit.mechanism().label() + " " + limit.controller());
            entry.put("observed", observation.observed());
            enforced(entry, "limits." + limit.name(), observation.holds(), observation.file().toString());
        }
        ObjectNode entry = section.putObject("tempMaxBytes");
        entry.put("requested", temp.bytes());
        entry.put("source", temp.source().label());
        entry.put("mechanism", TEMP_MECHANISM);
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

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    /** "0\t0\t0\t0" as "0 0 0 0". */
    private static String words(String line) {
        return line == null ? "" : String.join(" ", line.trim().split("\\s+"));
    }

    private static String repeat(int id) {
        return String.join(" ", List.of(Integer.toString(id), Integer.toString(id), Integer.toString(id),
                Integer.toString(id)));
    }

    private static boolean atLeastOne(String count) {
        try {
            return count != null && Integer.parseInt(count.trim()) >= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
