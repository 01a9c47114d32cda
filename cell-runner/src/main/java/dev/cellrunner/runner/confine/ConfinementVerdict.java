package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cgroup.CellLimits;
import dev.cellrunner.runner.cgroup.CgroupObservation;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.runner.mount.MountedCell;
import dev.cellrunner.runner.observe.CellView;
import dev.cellrunner.runner.observe.MountInfo;
import dev.cellrunner.runner.observe.ProcStatus;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether each control of a cell holds, decided from what was observed of its PID 1 (its /proc files and
 * the probes' answers) and from nothing else: the run kills the cell on this verdict before any of it is
 * rendered, and {@link ConfinementReport} renders it. The controls come in the event's order; a control
 * that cannot be judged is left out (landlock on a kernel without it, the cgroups of a process that had
 * already exited).
 *
 * @param controls each control's name ({@code limits.NAME} for each limit) and whether it holds
 */
public record ConfinementVerdict(Map<String, Boolean> controls) {
    public ConfinementVerdict {
        controls = Collections.unmodifiableMap(new LinkedHashMap<>(controls));
    }

    public static ConfinementVerdict of(ConfinementPlan plan, List<Probe> probes, ProcStatus status,
                                        CgroupObservation cgroups, CellView view, MountedCell mounted) {
        Map<String, Boolean> controls = new LinkedHashMap<>();
        controls.put("pid1", "1".equals(status.pidInItsNamespace()));
        controls.put("namespaces", view.namespaces().stream().allMatch(CellView.Namespace::separate));
        controls.put("mounts", mountsHold(plan.mounts(), view, mounted));
        controls.put("capabilities", capabilitySets(status).allMatch(ConfinementReport.NO_CAPABILITIES::equals));
        controls.put("identity", identityHolds(plan.identity(), status));
        controls.put("noNewPrivs", "1".equals(status.noNewPrivs()));
        if (plan.landlock().isPresent()) {
            controls.put("landlock", probesHold(probes, "landlock"));
        }
        controls.put("seccomp", seccompFiltered(status) && probesHold(probes, "seccomp"));
        if (!status.exited()) { // cgroup v1 shows an exited process in the root groups
            controls.put("cgroups", cgroups.inExpectedGroups());
        }
        for (CellLimits.LimitObservation limit : cgroups.limits()) {
            controls.put("limits." + limit.limit().name(), limit.holds());
        }
        return new ConfinementVerdict(controls);
    }

    /** Whether {@code control} was judged, and if so whether it holds. */
    public Optional<Boolean> of(String control) {
        return Optional.ofNullable(controls.get(control));
    }

    /** The controls that do not hold, in order. */
    public List<String> failed() {
        return controls.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
    }

    public boolean holds() {
        return !controls.containsValue(false);
    }

    /** The same verdict with {@code control} judged anew (e.g. landlock once PID 1 probed its own domain). */
    public ConfinementVerdict with(String control, boolean holds) {
        Map<String, Boolean> changed = new LinkedHashMap<>(controls);
        changed.put(control, holds);
        return new ConfinementVerdict(changed);
    }

    static boolean probesHold(List<Probe> probes, String control) {
        return probes.stream().filter(p -> p.control().equals(control)).allMatch(Probe::holds);
    }

    static boolean seccompFiltered(ProcStatus status) {
        return "2".equals(status.seccomp()) && atLeastOne(status.seccompFilters());
    }

    /** The root read-only, one tmpfs of the planned size on /tmp, the cell's own proc, no private path seen. */
    private static boolean mountsHold(MountPlan plan, CellView view, MountedCell mounted) {
        Optional<MountInfo.Entry> tmp = view.mounts().at("/tmp");
        long tmpBytes = tmp.flatMap(e -> e.superOption("size")).map(MountInfo::sizeInBytes).orElse(-1L);
        String procType = MountedCell.PROC_OF_CELL.equals(mounted.proc()) ? "proc" : "tmpfs";
        return view.mounts().at("/").map(MountInfo.Entry::readOnly).orElse(false)
                && tmp.map(e -> e.fsType().equals("tmpfs")).orElse(false)
                && tmpBytes > 0 && tmpBytes <= plan.tempBytes() && tmpBytes > plan.tempBytes() - 4096
                && view.mounts().at("/proc").map(e -> e.fsType().equals(procType)).orElse(false)
                && view.privates().stream().allMatch(CellView.PrivatePath::hidden);
    }

    /** Real, effective, saved and filesystem ids all the planned ones, and the planned gid its only group. */
    private static boolean identityHolds(Identity identity, ProcStatus status) {
        return identity.resolved() && words(status.uid()).equals(fourTimes(identity.uid()))
                && words(status.gid()).equals(fourTimes(identity.gid()))
                && words(status.groups()).equals(Integer.toString(identity.gid()));
    }

    static Stream<String> capabilitySets(ProcStatus status) {
        return Stream.of(status.capInh(), status.capPrm(), status.capEff(), status.capBnd(), status.capAmb());
    }

    /** "0\t0\t0\t0" as "0 0 0 0". */
    static String words(String line) {
        return line == null ? "" : String.join(" ", line.trim().split("\\s+"));
    }

    private static String fourTimes(int id) {
        String one = Integer.toString(id);
        return String.join(" ", one, one, one, one);
    }

    private static boolean atLeastOne(String count) {
        try {
            return count != null && Integer.parseInt(count.trim()) >= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
