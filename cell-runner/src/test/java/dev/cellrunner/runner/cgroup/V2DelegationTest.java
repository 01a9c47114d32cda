package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.cell.Refusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The "no internal processes" handling, on a directory tree shaped like cgroupfs. */
class V2DelegationTest {
    private static final String SELF = Long.toString(ProcessHandle.current().pid());

    @TempDir
    Path own;

    @Test
    void theRunnerMovesIntoALeafOfItsOwnBeforeControllersAreEnabled() throws Exception {
        group(own, SELF + "\n", "");
        V2Delegation delegation = V2Delegation.enable(own, Set.of("memory", "pids"));
        Path leaf = own.resolve("cellrunner-runner-" + SELF);
        assertThat(leaf.resolve("cgroup.procs")).hasContent(SELF);
        assertThat(own.resolve("cgroup.subtree_control")).hasContent("+memory +pids");
        Files.delete(leaf.resolve("cgroup.procs")); // cgroupfs interface files do not keep rmdir from working
        delegation.restore();
        assertThat(own.resolve("cgroup.subtree_control")).hasContent("-memory -pids");
        assertThat(own.resolve("cgroup.procs")).hasContent(SELF);
        assertThat(leaf).doesNotExist();
    }

    @Test
    void cellsInFlightShareTheDelegationAndOnlyTheLastUndoesIt() throws Exception {
        group(own, SELF + "\n", "");
        V2Delegation first = V2Delegation.enable(own, Set.of("pids"));
        Path leaf = own.resolve("cellrunner-runner-" + SELF);
        assertThat(V2Delegation.cellParent(leaf)).as("cells still go below the runner's own group").isEqualTo(own);
        V2Delegation second = V2Delegation.enable(V2Delegation.cellParent(leaf), Set.of("memory"));
        first.restore();
        assertThat(own.resolve("cgroup.subtree_control")).as("the second cell still runs").hasContent("+memory");
        assertThat(leaf).exists();
        Files.delete(leaf.resolve("cgroup.procs"));
        second.restore();
        assertThat(own.resolve("cgroup.subtree_control")).hasContent("-memory -pids");
        assertThat(own.resolve("cgroup.procs")).hasContent(SELF);
        assertThat(leaf).doesNotExist();
        assertThat(V2Delegation.cellParent(leaf)).isEqualTo(leaf);
    }

    @Test
    void aGroupSharedWithOtherProcessesIsRefused() throws Exception {
        group(own, "1\n" + SELF + "\n", "");
        assertThatThrownBy(() -> V2Delegation.enable(own, Set.of("pids"))).isInstanceOf(Refusal.class)
                .hasMessageContaining("other processes");
    }

    @Test
    void controllersAlreadyEnabledNeedNothing() throws Exception {
        group(own, "", "memory pids");
        V2Delegation.enable(own, Set.of("pids")).restore();
        assertThat(own.resolve("cgroup.subtree_control")).hasContent("memory pids");
        assertThat(Files.list(own).toList()).hasSize(3);
    }

    private static void group(Path dir, String procs, String subtreeControl) throws Exception {
        Files.writeString(dir.resolve("cgroup.procs"), procs);
        Files.writeString(dir.resolve("cgroup.subtree_control"), subtreeControl);
        Files.writeString(dir.resolve("cgroup.type"), "domain");
    }

    @Test
    void procCgroupLinesAreKeyedByHierarchy() {
        CgroupObservation observation = new CgroupObservation(CgroupObservation.parse(List.of(
                "8:pids:/cellrunner-1-x", "2:cpu,cpuacct:/a/cellrunner-1-x", "1:name=systemd:/", "0::/cellrunner-1-x")),
                java.util.Map.of("v2", Path.of("/sys/fs/cgroup/cellrunner-1-x"),
                        "cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct/a/cellrunner-1-x")), List.of());
        assertThat(observation.observed()).containsEntry("pids", "/cellrunner-1-x").containsEntry("cpu", "/a/cellrunner-1-x")
                .containsEntry("v2", "/cellrunner-1-x");
        assertThat(observation.inExpectedGroups()).isTrue();
    }
}
