package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.runner.cgroup.CellLimits;
import dev.cellrunner.runner.cgroup.CgroupObservation;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.runner.mount.MountedCell;
import dev.cellrunner.runner.observe.CellView;
import dev.cellrunner.runner.observe.MountInfo;
import dev.cellrunner.runner.observe.ProcStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Requested against observed: every control that does not hold is a mismatch (which kills the cell). */
class ConfinementReportTest {
    private static final String NONE = ConfinementReport.NO_CAPABILITIES;
    private static final Path TRAIL = Path.of("/var/log/cell-runner/events.jsonl");
    private static final MountPlan MOUNTS = new MountPlan(1L << 30, "default", Path.of("/opt/cell-init"), List.of(),
            List.of(TRAIL), List.of(), Set.of());
    private static final ConfinementPlan PLAN = new ConfinementPlan(new Identity(65534, 65534, "nobody", null),
            Optional.empty(), 0, SeccompPlan.of(List.of()), Path.of("/tmp"), new LimitsPlan(List.of()), MOUNTS);
    private static final MountedCell MOUNTED = new MountedCell(List.of(), MountedCell.PROC_OF_CELL);
    private static final List<String> MOUNTINFO = List.of(
            "400 300 254:0 / / ro,nosuid,nodev,relatime - ext4 /dev/vda rw",
            "401 400 0:50 /tmp /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=1048576k,mode=755",
            "402 400 0:51 / /proc rw,nosuid,nodev,noexec - proc proc rw",
            "403 400 0:52 / /var/log/cell-runner/events.jsonl ro,nosuid,nodev,noexec - tmpfs tmpfs ro,size=4096k");
    private static final CellView VIEW = view(List.of("mnt:[2]", "pid:[2]", "ipc:[2]", "uts:[2]", "net:[2]"), MOUNTINFO,
            "masked");
    private static final List<Probe> PROBES = List.of(new Probe("seccomp", "clone3(NULL, 0)", "ENOSYS", "ENOSYS"));
    private static final CgroupObservation NO_GROUPS = new CgroupObservation(Map.of(), Map.of(), List.of());

    @Test
    void aConfinedProcessHasNoMismatch() {
        ConfinementReport report = report(status(NONE, "1", "2", "65534"), NO_GROUPS, VIEW);
        assertThat(report.mismatches()).isEmpty();
        assertThat(report.data().get("enforced").asBoolean()).isTrue();
        assertThat(report.data().get("landlock").get("mode").asText()).isEqualTo("unavailable");
    }

    @Test
    void eachControlThatDoesNotHoldIsAMismatch() {
        assertThat(report(status("0000000000200000", "1", "2", "65534"), NO_GROUPS, VIEW)
                .mismatches()).singleElement().asString().startsWith("capabilities");
        assertThat(report(status(NONE, "0", "2", "65534"), NO_GROUPS, VIEW)
                .mismatches()).singleElement().asString().startsWith("noNewPrivs");
        assertThat(report(status(NONE, "1", "0", "65534"), NO_GROUPS, VIEW)
                .mismatches()).singleElement().asString().startsWith("seccomp");
        assertThat(report(status(NONE, "1", "2", "0"), NO_GROUPS, VIEW)
                .mismatches()).singleElement().asString().startsWith("identity");
        List<Probe> failed = List.of(new Probe("seccomp", "clone3(NULL, 0)", "ENOSYS", "EINVAL"));
        assertThat(report(failed, status(NONE, "1", "2", "65534"), NO_GROUPS, VIEW)
                .mismatches()).singleElement().asString().startsWith("seccomp");
    }

    @Test
    void eachLimitSaysWhetherTheDocumentOrTheRunnersDefaultSetIt() {
        LimitsPlan.Limit pids = new LimitsPlan.Limit("pidsMax", 1024, "pids", LimitsPlan.Mechanism.V1,
                LimitsPlan.Source.DEFAULT);
        ConfinementPlan plan = new ConfinementPlan(PLAN.identity(), Optional.empty(), 0, PLAN.seccomp(), PLAN.tempDir(),
                new LimitsPlan(List.of(pids), new LimitsPlan.TempSpace(64L << 20, LimitsPlan.Source.DOCUMENT)), MOUNTS);
        CgroupObservation groups = new CgroupObservation(Map.of(), Map.of(),
                List.of(new CellLimits.LimitObservation(pids, Path.of("/sys/fs/cgroup/pids/x/pids.max"), "1024", true)));
        JsonNode limits = ConfinementReport.of(plan, PROBES, 42, status(NONE, "1", "2", "65534"), groups, VIEW,
                MOUNTED, "cell-x").data().path("limits");
        assertThat(limits.path("pidsMax").path("source").asText()).isEqualTo("default");
        assertThat(limits.path("pidsMax").path("enforced").asBoolean()).isTrue();
        assertThat(limits.path("tempMaxBytes").path("requested").asLong()).isEqualTo(64L << 20);
        assertThat(limits.path("tempMaxBytes").path("source").asText()).isEqualTo("document");
    }

    @Test
    void aProcessOutsideItsGroupIsAMismatch() {
        CgroupObservation escaped = new CgroupObservation(Map.of("v2", "/"),
                Map.of("v2", Path.of("/sys/fs/cgroup/cellrunner-1-x")), List.of());
        assertThat(report(status(NONE, "1", "2", "65534"), escaped, VIEW)
                .mismatches()).singleElement().asString().startsWith("cgroups");
    }

    @Test
    void aNamespaceSharedWithTheRunnerIsAMismatch() {
        CellView shared = view(List.of("mnt:[2]", "pid:[1]", "ipc:[2]", "uts:[2]", "net:[2]"), MOUNTINFO, "masked");
        assertThat(report(status(NONE, "1", "2", "65534"), NO_GROUPS, shared).mismatches()).singleElement().asString()
                .startsWith("namespaces");
    }

    @Test
    void aWritableRootATmpOfAnotherSizeTheHostsProcOrAVisiblePrivatePathIsAMismatch() {
        List<String> writableRoot = new java.util.ArrayList<>(MOUNTINFO);
        writableRoot.set(0, "400 300 254:0 / / rw,nosuid,nodev,relatime - ext4 /dev/vda rw");
        List<String> biggerTmp = new java.util.ArrayList<>(MOUNTINFO);
        biggerTmp.set(1, "401 400 0:50 /tmp /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=2097152k,mode=755");
        List<String> noProc = MOUNTINFO.subList(0, 2);
        for (CellView view : List.of(view(NAMESPACES, writableRoot, "masked"), view(NAMESPACES, biggerTmp, "absent"),
                view(NAMESPACES, noProc, "absent"), view(NAMESPACES, MOUNTINFO, "visible"))) {
            assertThat(report(status(NONE, "1", "2", "65534"), NO_GROUPS, view).mismatches()).as("%s", view)
                    .singleElement().asString().startsWith("mounts");
        }
    }

    @Test
    void aPid1ThatIsNotPid1InItsNamespaceIsAMismatch() {
        ProcStatus notFirst = new ProcStatus("S (sleeping)", "1", "2", "1", NONE, NONE, NONE, NONE, NONE,
                "65534\t65534\t65534\t65534", "65534\t65534\t65534\t65534", "65534", "42\t7");
        assertThat(report(notFirst, NO_GROUPS, VIEW).mismatches()).singleElement().asString().startsWith("pid1");
        assertThat(report(status(NONE, "1", "2", "65534"), NO_GROUPS, VIEW).data().path("pid1").path("observed")
                .path("cellPid").asText()).isEqualTo("1");
    }

    @Test
    void theVerdictNamesEachControlThatDoesNotHoldAndTheRenderingAgreesWithIt() {
        ConfinementReport report = report(status("0000000000200000", "0", "2", "65534"), NO_GROUPS, VIEW);
        assertThat(report.verdict().failed()).containsExactly("capabilities", "noNewPrivs");
        assertThat(report.verdict().holds()).isFalse();
        JsonNode data = report.data();
        assertThat(data.path("enforced").asBoolean()).isFalse();
        assertThat(data.path("capabilities").path("enforced").asBoolean()).isFalse();
        assertThat(data.path("noNewPrivs").path("enforced").asBoolean()).isFalse();
        assertThat(data.path("seccomp").path("enforced").asBoolean()).isTrue();
        assertThat(data.path("mismatches")).hasSize(2);
        assertThat(report.mismatch()).hasValueSatisfying(why -> assertThat(why)
                .startsWith("confinement mismatch: capabilities: requested ").contains("; noNewPrivs: requested true"));
    }

    @Test
    void pid1sOwnLandlockProbeDecidesLandlockOnceItIsIn() {
        LandlockPlan landlock = new LandlockPlan(6, true, 1, 0, 0, List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(new LandlockPlan.LaunchRule(Path.of("/proc"), 1, "authority.filesystem[0]", -1)));
        ConfinementPlan plan = new ConfinementPlan(PLAN.identity(), Optional.of(landlock), 6, PLAN.seccomp(),
                PLAN.tempDir(), PLAN.limits(), MOUNTS);
        ConfinementReport held = ConfinementReport.of(plan, PROBES, 42, status(NONE, "1", "2", "65534"), NO_GROUPS,
                VIEW, MOUNTED, "cell-x");
        held.landlockMadeByPid1(Optional.of(new Probe("landlock", "open(/) by PID 1", "EACCES", "EACCES")));
        assertThat(held.mismatch()).isEmpty();
        assertThat(held.data().path("landlock").path("pid1").path("restricted").asBoolean()).isTrue();
        assertThat(held.data().path("landlock").path("madeBy").asText()).isEqualTo("pid1");

        ConfinementReport opened = ConfinementReport.of(plan, PROBES, 42, status(NONE, "1", "2", "65534"), NO_GROUPS,
                VIEW, MOUNTED, "cell-x");
        assertThat(opened.mismatch()).as("before PID 1's probe").isEmpty();
        opened.landlockMadeByPid1(Optional.of(new Probe("landlock", "open(/) by PID 1", "EACCES", "success")));
        assertThat(opened.verdict().failed()).containsExactly("landlock");
        assertThat(opened.mismatch()).hasValueSatisfying(why -> assertThat(why).contains("open(/) by PID 1"));
        assertThat(opened.data().path("landlock").path("enforced").asBoolean()).isFalse();
        assertThat(opened.data().path("landlock").path("probes")).hasSize(1);
    }

    @Test
    void theWorkloadsPidsAreRenderedOnceKnown() {
        ConfinementReport report = report(status(NONE, "1", "2", "65534"), NO_GROUPS, VIEW);
        assertThat(report.data().path("pid").isNull()).isTrue();
        report.workload(4242, 2);
        assertThat(report.data().path("pid").asLong()).isEqualTo(4242);
        assertThat(report.data().path("pid1").path("workload").path("cellPid").asInt()).isEqualTo(2);
    }

    private static final List<String> NAMESPACES = List.of("mnt:[2]", "pid:[2]", "ipc:[2]", "uts:[2]", "net:[2]");

    private static ConfinementReport report(ProcStatus status, CgroupObservation cgroups, CellView view) {
        return report(PROBES, status, cgroups, view);
    }

    private static ConfinementReport report(List<Probe> probes, ProcStatus status, CgroupObservation cgroups,
                                            CellView view) {
        return ConfinementReport.of(PLAN, probes, 42, status, cgroups, view, MOUNTED, "cell-x");
    }

    private static CellView view(List<String> cellNamespaces, List<String> mountinfo, String trailSeen) {
        List<CellView.Namespace> namespaces = new java.util.ArrayList<>();
        for (String namespace : cellNamespaces) {
            String kind = namespace.substring(0, namespace.indexOf(':'));
            namespaces.add(new CellView.Namespace(kind, namespace, kind + ":[1]"));
        }
        return new CellView(namespaces, MountInfo.parse(mountinfo), List.of(new CellView.PrivatePath(TRAIL, trailSeen)));
    }

    private static ProcStatus status(String caps, String noNewPrivs, String seccomp, String uid) {
        String ids = uid + "\t" + uid + "\t" + uid + "\t" + uid;
        return new ProcStatus("S (sleeping)", noNewPrivs, seccomp, "1", caps, caps, caps, caps, caps, ids,
                "65534\t65534\t65534\t65534", "65534", "42\t1");
    }
}
