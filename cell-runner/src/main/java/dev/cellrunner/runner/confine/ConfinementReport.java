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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code data} of the {@code confinement} event: for each control what was requested next to what
 * the kernel shows for the running workload (its /proc files) or answered to a probe, with
 * {@code enforced} and {@code observedVia}. Whether each control holds is its {@link ConfinementVerdict},
 * decided when the report is made; the JSON is rendered only when asked for, once the workload was let go
 * (or the cell dies: every control that does not hold is a mismatch, and the cell is killed for any).
 */
public final class ConfinementReport {
    /** How /proc/&lt;pid&gt;/status prints an empty capability set. */
    public static final String NO_CAPABILITIES = "0000000000000000";
    /** How the cell's temp space is bounded. */
    public static final String TEMP_MECHANISM = "size of the tmpfs of the cell's /tmp, /var/tmp and /dev/shm";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConfinementPlan plan;
    private final List<Probe> probes;
    private final long pid;
    private final ProcStatus status;
    private final CgroupObservation cgroups;
    private final CellView view;
    private final MountedCell mounted;
    private final String hostname;
    private ConfinementVerdict verdict;
    private Workload workload;
    private boolean landlockMadeByPid1;

    /** The workload as cell-init started it: its pid on the host and in the cell. */
    private record Workload(long hostPid, int cellPid) {
    }

    private ConfinementReport(ConfinementPlan plan, List<Probe> probes, long pid, ProcStatus status,
                              CgroupObservation cgroups, CellView view, MountedCell mounted, String hostname) {
        this.plan = plan;
        this.probes = new ArrayList<>(probes);
        this.pid = pid;
        this.status = status;
        this.cgroups = cgroups;
        this.view = view;
        this.mounted = mounted;
        this.hostname = hostname;
        this.verdict = ConfinementVerdict.of(plan, probes, status, cgroups, view, mounted);
    }

    /**
     * Compares {@code plan} with what the kernel reports for the cell's PID 1, process {@code pid},
     * observed before it starts the workload (which inherits exactly its confinement).
     */
    public static ConfinementReport of(ConfinementPlan plan, List<Probe> probes, long pid, ProcStatus status,
                                       CgroupObservation cgroups, CellView view, MountedCell mounted, String hostname) {
        return new ConfinementReport(plan, probes, pid, status, cgroups, view, mounted, hostname);
    }

    /** The workload as cell-init started it: its pid on the host (the event's {@code pid}) and in the cell. */
    public void workload(long hostPid, int cellPid) {
        workload = new Workload(hostPid, cellPid);
    }

    /**
     * PID 1 has restricted itself to the cell's landlock ruleset ({@link LandlockPlan#madeByPid1}), and
     * {@code probe} is what its own probe of the domain then answered (none when a rule grants "/").
     */
    public void landlockMadeByPid1(Optional<Probe> probe) {
        landlockMadeByPid1 = true;
        probe.ifPresent(probes::add);
        verdict = verdict.with("landlock", ConfinementVerdict.probesHold(probes, "landlock"));
    }

    public ConfinementVerdict verdict() {
        return verdict;
    }

    /** The event's data, rendered now from the verdict and what was observed. */
    public ObjectNode data() {
        return new Rendering().data;
    }

    /** Each control that does not hold, with what was requested and observed of it. */
    public List<String> mismatches() {
        return verdict.holds() ? List.of() : List.copyOf(new Rendering().mismatches);
    }

    /** Why the cell must die ("confinement mismatch: ..."), or empty when every control holds. */
    public Optional<String> mismatch() {
        return verdict.holds() ? Optional.empty()
                : Optional.of("confinement mismatch: " + String.join("; ", mismatches()));
    }

    /** One rendering of the report: its JSON, and the mismatches phrased from it. */
    private final class Rendering {
        private final ObjectNode data = JSON.createObjectNode();
        private final List<String> mismatches = new ArrayList<>();

        private Rendering() {
            String statusFile = "/proc/" + pid + "/status";
            if (workload == null) {
                data.putNull("pid");
            } else {
                data.put("pid", workload.hostPid());
            }
            data.put("tempDir", plan.tempDir().toString());
            pid1(statusFile);
            namespaces("/proc/" + pid + "/ns/* against /proc/self/ns/* of the runner");
            mounts(plan.mounts(), "/proc/" + pid + "/mountinfo and /proc/" + pid + "/root");
            capabilities(statusFile);
            identity(plan.identity(), statusFile);
            noNewPrivs(statusFile);
            landlock();
            seccomp(plan.seccomp(), statusFile);
            cgroups("/proc/" + pid + "/cgroup");
            limits(plan.limits().tempSpace());
            data.put("enforced", mismatches.isEmpty());
            ArrayNode list = data.putArray("mismatches");
            mismatches.forEach(list::add);
        }

        private void pid1(String statusFile) {
            ObjectNode section = data.putObject("pid1");
            section.put("requested", "cell-init (" + MountPlan.INIT_PATH + "): reaps orphans, passes SIGTERM, SIGINT, "
                    + "SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 on, parent-death signal SIGKILL");
            ObjectNode observed = section.putObject("observed");
            observed.put("hostPid", pid);
            observed.put("cellPid", status.pidInItsNamespace());
            enforced(section, "pid1", statusFile + " NSpid");
            if (workload != null) {
                section.putObject("workload").put("hostPid", workload.hostPid()).put("cellPid", workload.cellPid());
            }
        }

        private void namespaces(String via) {
            ObjectNode section = data.putObject("namespaces");
            section.put("requested", "fresh " + String.join(", ", CellNamespaces.KINDS) + " namespaces; hostname "
                    + hostname);
            ObjectNode observed = section.putObject("observed");
            for (CellView.Namespace namespace : view.namespaces()) {
                observed.putObject(namespace.kind()).put("cell", namespace.cell()).put("runner", namespace.runner());
            }
            section.put("hostname", hostname);
            enforced(section, "namespaces", via);
        }

        private void mounts(MountPlan mountPlan, String via) {
            ObjectNode section = data.putObject("mounts");
            ObjectNode requested = section.putObject("requested");
            requested.put("root", "the host's tree, read-only, nosuid, nodev");
            requested.put("tempBytes", mountPlan.tempBytes());
            requested.put("tempSource", mountPlan.tempSource());
            requested.put("tmp", "one tmpfs at /tmp, /var/tmp and /dev/shm");
            requested.put("proc", "proc of the cell's PID namespace");
            ObjectNode observed = section.putObject("observed");
            Optional<MountInfo.Entry> tmp = view.mounts().at("/tmp");
            observed.put("root", view.mounts().at("/").map(MountInfo.Entry::mountOptions).orElse("(none)"));
            observed.put("tmp", tmp.map(e -> e.fsType() + " size=" + e.superOption("size").orElse("?")).orElse("(none)"));
            observed.put("proc", view.mounts().at("/proc").map(MountInfo.Entry::fsType).orElse("(none)"));
            if (!MountedCell.PROC_OF_CELL.equals(mounted.proc())) {
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
            view.mounts().entries().forEach(e -> table.addObject().put("mountPoint", e.mountPoint())
                    .put("fsType", e.fsType()).put("options", e.mountOptions()));
            enforced(section, "mounts", via);
        }

        private void capabilities(String statusFile) {
            ObjectNode section = data.putObject("capabilities");
            ObjectNode requested = section.putObject("requested");
            ObjectNode observed = section.putObject("observed");
            List<String> names = List.of("inheritable", "permitted", "effective", "bounding", "ambient");
            List<String> sets = ConfinementVerdict.capabilitySets(status).toList();
            for (int i = 0; i < names.size(); i++) {
                requested.put(names.get(i), NO_CAPABILITIES);
                observed.put(names.get(i), sets.get(i));
            }
            enforced(section, "capabilities", statusFile + " CapInh/CapPrm/CapEff/CapBnd/CapAmb");
        }

        private void identity(Identity identity, String statusFile) {
            ObjectNode section = data.putObject("identity");
            ObjectNode observed = section.putObject("observed");
            observed.put("uid", ConfinementVerdict.words(status.uid()));
            observed.put("gid", ConfinementVerdict.words(status.gid()));
            observed.put("groups", ConfinementVerdict.words(status.groups()));
            ObjectNode requested = section.putObject("requested");
            requested.put("source", identity.source().label());
            requested.put("user", identity.user());
            requested.put("group", identity.group());
            requested.put("uid", identity.uid());
            requested.put("gid", identity.gid());
            enforced(section, "identity", statusFile + " Uid/Gid/Groups");
        }

        private void noNewPrivs(String statusFile) {
            ObjectNode section = data.putObject("noNewPrivs");
            section.put("requested", true);
            section.put("observed", status.noNewPrivs());
            enforced(section, "noNewPrivs", statusFile + " NoNewPrivs");
        }

        private void landlock() {
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
                List<String> except = landlock.carvedFrom(rule).stream().map(Path::toString).toList();
                if (!except.isEmpty()) {
                    entry.set("except", strings(except));
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
                        .put("why", "audit mode: TCP connect and bind rules left out, so that a connect to an "
                                + "undeclared port leaves a packet the records can show; the cell's egress is "
                                + "recorded in network_enforcement, not enforced");
            }
            section.set("probes", probes("landlock"));
            if (landlock.madeByPid1()) {
                section.put("madeBy", "pid1");
                if (landlockMadeByPid1) {
                    section.putObject("pid1").put("restricted", true);
                }
                enforced(section, "landlock", "probes from the launch thread after landlock_restrict_self with the "
                        + "ruleset PID 1 holds, completed with the rules on the cell's /proc once that was mounted; "
                        + "PID 1 restricts itself to that ruleset at its go, before it starts the workload, and "
                        + "probes it");
            } else {
                section.put("madeBy", "launch thread");
                enforced(section, "landlock",
                        "probes from the launch thread after landlock_restrict_self; the workload inherits its domain");
            }
        }

        private void seccomp(SeccompPlan seccomp, String statusFile) {
            ObjectNode section = data.putObject("seccomp");
            section.put("architecture", "x86_64 only: any other architecture and the x32 ABI are killed");
            ObjectNode requested = section.putObject("requested");
            requested.put("seccomp", "2");
            requested.put("seccompFilters", "at least 1");
            boolean holds = verdict.of("seccomp").orElseThrow();
            ArrayNode denied = section.putArray("denied");
            for (SeccompPlan.Entry entry : seccomp.denied()) {
                syscall(denied.addObject(), entry, "EPERM", holds);
            }
            ArrayNode enosys = section.putArray("enosys");
            for (SeccompPlan.Entry entry : seccomp.notImplemented()) {
                syscall(enosys.addObject(), entry, "ENOSYS", holds);
            }
            ArrayNode rules = section.putArray("argumentRules");
            for (SeccompPolicy.ArgumentRule rule : seccomp.argumentRules()) {
                ObjectNode entry = rules.addObject();
                entry.put("syscall", rule.syscall());
                entry.put("when", rule.when());
                entry.put("errno", "EPERM");
                entry.put("reason", rule.reason());
            }
            ObjectNode observed = section.putObject("observed");
            observed.put("seccomp", status.seccomp());
            observed.put("seccompFilters", status.seccompFilters());
            section.set("probes", probes("seccomp"));
            enforced(section, "seccomp", statusFile + " Seccomp/Seccomp_filters and probes from the launch thread");
        }

        private void cgroups(String cgroupFile) {
            ObjectNode section = data.putObject("cgroups");
            ObjectNode requested = section.putObject("requested");
            cgroups.expected().forEach((hierarchy, group) -> requested.put(hierarchy, group.toString()));
            if (verdict.of("cgroups").isEmpty()) {
                // cgroup v1 shows an exited process in the root groups: where it ran is no longer visible
                section.put("observed", "the process had already exited");
                section.putNull("enforced");
                section.put("observedVia", cgroupFile);
                return;
            }
            ObjectNode observed = section.putObject("observed");
            cgroups.expected().keySet().forEach(hierarchy -> observed.put(hierarchy, cgroups.observed().get(hierarchy)));
            enforced(section, "cgroups", cgroupFile);
        }

        /** Each limit with who set it (the document or the runner's default) next to what its group holds. */
        private void limits(LimitsPlan.TempSpace temp) {
            ObjectNode section = data.putObject("limits");
            for (CellLimits.LimitObservation observation : cgroups.limits()) {
                LimitsPlan.Limit limit = observation.limit();
                ObjectNode entry = section.putObject(limit.name());
                entry.put("requested", limit.value());
                entry.put("source", limit.source().label());
                entry.put("mechanism", limit.mechanism().label() + " " + limit.controller());
                entry.put("observed", observation.observed());
                enforced(entry, "limits." + limit.name(), observation.file().toString());
            }
            ObjectNode entry = section.putObject("tempMaxBytes");
            entry.put("requested", temp.bytes());
            entry.put("source", temp.source().label());
            entry.put("mechanism", TEMP_MECHANISM);
        }

        private ArrayNode probes(String control) {
            ArrayNode list = JSON.createArrayNode();
            for (Probe probe : probes) {
                if (probe.control().equals(control)) {
                    list.addObject().put("probe", probe.probe()).put("expected", probe.expected())
                            .put("observed", probe.observed());
                }
            }
            return list;
        }

        /** The section's verdict, and a mismatch phrased from the section when it does not hold. */
        private void enforced(ObjectNode section, String control, String via) {
            boolean holds = verdict.of(control).orElseThrow();
            section.put("enforced", holds);
            section.put("observedVia", via);
            if (!holds) {
                mismatches.add(control + ": requested " + section.get("requested") + ", observed "
                        + Objects.requireNonNullElse(section.get("observed"), section.get("probes")));
            }
        }
    }

    private static void syscall(ObjectNode entry, SeccompPlan.Entry plan, String errno, boolean enforced) {
        entry.put("syscall", plan.syscall());
        entry.put("number", plan.number());
        entry.put("errno", errno);
        entry.put("source", plan.source());
        entry.put("reason", plan.reason());
        entry.put("enforced", enforced);
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }
}
