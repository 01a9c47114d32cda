package dev.cellrunner.runner.cgroup;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CgroupLayoutTest {
    private static final List<String> HYBRID_MOUNTS = List.of(
            "30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
            "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
            "33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory",
            "34 30 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids",
            "35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct");

    @Test
    void hybridHostHasV2LeafAndV1ControllersAtTheirOwnPaths() {
        CgroupLayout layout = CgroupLayout.parse(List.of(
                "8:pids:/",
                "4:memory:/process_api/2768",
                "1:cpu,cpuacct:/ci/job",
                "0::/"), HYBRID_MOUNTS);

        assertThat(layout.v2Own()).contains(Path.of("/sys/fs/cgroup/unified"));
        assertThat(layout.v1Own()).containsEntry("memory", Path.of("/sys/fs/cgroup/memory/process_api/2768"))
                .containsEntry("pids", Path.of("/sys/fs/cgroup/pids"))
                .containsEntry("cpu", Path.of("/sys/fs/cgroup/cpu,cpuacct/ci/job"))
                .containsEntry("cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct/ci/job"));
    }

    @Test
    void pureV2HostHasOnlyTheUnifiedDirectory() {
        CgroupLayout layout = CgroupLayout.parse(List.of("0::/user.slice/user-1000.slice/session-2.scope"), List.of(
                "29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate"));

        assertThat(layout.v2Own()).contains(Path.of("/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope"));
        assertThat(layout.v1Own()).isEmpty();
    }

    @Test
    void containerMountRootIsStrippedFromTheProcessPath() {
        CgroupLayout layout = CgroupLayout.parse(List.of("0::/docker/abc/worker"), List.of(
                "500 480 0:26 /docker/abc /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw"));

        assertThat(layout.v2Own()).contains(Path.of("/sys/fs/cgroup/worker"));
    }

    @Test
    void noCgroupMountsMeansNothingToUse() {
        CgroupLayout layout = CgroupLayout.parse(List.of("0::/"), List.of(
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw"));

        assertThat(layout.v2Own()).isEmpty();
        assertThat(layout.v1Own()).isEmpty();
    }

    @Test
    void gcLooksInTheV2MountAndTheV1MountsOfTheLimitControllers() {
        assertThat(CgroupLayout.cellHierarchies(HYBRID_MOUNTS)).containsExactly(Path.of("/sys/fs/cgroup/unified"),
                Path.of("/sys/fs/cgroup/memory"), Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/cpu,cpuacct"));
    }
}
