package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cgroup.CgroupObservation;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.observe.ProcStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Requested against observed: every control that does not hold is a mismatch (which kills the cell). */
class ConfinementReportTest {
    private static final String NONE = ConfinementReport.NO_CAPABILITIES;
    private static final ConfinementPlan PLAN = new ConfinementPlan(new Identity(65534, 65534, "nobody", null),
            Optional.empty(), 0, SeccompPlan.of(List.of()), Path.of("/tmp/cellrunner-cells/cell-x"), LimitsPlan.NONE);
    private static final List<Probe> PROBES = List.of(new Probe("seccomp", "clone3(NULL, 0)", "ENOSYS", "ENOSYS"));
    private static final CgroupObservation NO_GROUPS = new CgroupObservation(Map.of(), Map.of(), List.of());

    @Test
    void aConfinedProcessHasNoMismatch() {
        ConfinementReport report = ConfinementReport.of(PLAN, PROBES, 42, status(NONE, "1", "2", "65534"), NO_GROUPS);
        assertThat(report.mismatches()).isEmpty();
        assertThat(report.data().get("enforced").asBoolean()).isTrue();
        assertThat(report.data().get("landlock").get("mode").asText()).isEqualTo("unavailable");
    }

    @Test
    void eachControlThatDoesNotHoldIsAMismatch() {
        assertThat(ConfinementReport.of(PLAN, PROBES, 42, status("0000000000200000", "1", "2", "65534"), NO_GROUPS)
                .mismatches()).singleElement().asString().startsWith("capabilities");
        assertThat(ConfinementReport.of(PLAN, PROBES, 42, status(NONE, "0", "2", "65534"), NO_GROUPS)
                .mismatches()).singleElement().asString().startsWith("noNewPrivs");
        assertThat(ConfinementReport.of(PLAN, PROBES, 42, status(NONE, "1", "0", "65534"), NO_GROUPS)
                .mismatches()).singleElement().asString().startsWith("seccomp");
        assertThat(ConfinementReport.of(PLAN, PROBES, 42, status(NONE, "1", "2", "0"), NO_GROUPS)
                .mismatches()).singleElement().asString().startsWith("identity");
        List<Probe> failed = List.of(new Probe("seccomp", "clone3(NULL, 0)", "ENOSYS", "EINVAL"));
        assertThat(ConfinementReport.of(PLAN, failed, 42, status(NONE, "1", "2", "65534"), NO_GROUPS)
                .mismatches()).singleElement().asString().startsWith("seccomp");
    }

    @Test
    void aProcessOutsideItsGroupIsAMismatch() {
        CgroupObservation escaped = new CgroupObservation(Map.of("v2", "/"),
                Map.of("v2", Path.of("/sys/fs/cgroup/cellrunner-1-x")), List.of());
        assertThat(ConfinementReport.of(PLAN, PROBES, 42, status(NONE, "1", "2", "65534"), escaped)
                .mismatches()).singleElement().asString().startsWith("cgroups");
    }

    private static ProcStatus status(String caps, String noNewPrivs, String seccomp, String uid) {
        String ids = uid + "\t" + uid + "\t" + uid + "\t" + uid;
        return new ProcStatus("S (sleeping)", noNewPrivs, seccomp, "1", caps, caps, caps, caps, caps, ids,
                "65534\t65534\t65534\t65534", "65534");
    }
}
