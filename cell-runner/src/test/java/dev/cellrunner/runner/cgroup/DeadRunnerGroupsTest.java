package dev.cellrunner.runner.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which groups gc takes (names, liveness), on a directory tree shaped like cgroupfs; and, on the real
 * kernel, that a dead runner's cell is killed and its groups removed. The real-kernel cases work in a
 * parent group of their own, so no other runner's group is ever in reach.
 */
class DeadRunnerGroupsTest {
    /** A runner PID these tests declare dead; every other PID counts as a live runner. */
    private static final long DEAD = 4_000_001;
    private static final LongPredicate ONLY_DEAD_IS_DEAD = pid -> pid != DEAD;

    @TempDir
    Path tree;

    @Test
    void ownerIsReadFromCellAndRunnerLeafNamesOnly() {
        assertThat(DeadRunnerGroups.ownerOf("cellrunner-123-3fb1c2d4-aaaa")).isEqualTo(OptionalLong.of(123));
        assertThat(DeadRunnerGroups.ownerOf("cellrunner-runner-77")).isEqualTo(OptionalLong.of(77));
        for (String other : List.of("cellrunner-", "cellrunner-123", "cellrunner-123-", "cellrunner-x1-run",
                "cellrunner-runner-", "cellrunner-runner-7a", "user.slice", "cellrunner-99999999999999999999-x")) {
            assertThat(DeadRunnerGroups.ownerOf(other)).as(other).isEmpty();
        }
    }

    @Test
    void findsDeadRunnersGroupsAtAnyDepthAndLeavesLiveOnesAndOthersAlone() throws IOException {
        Path deep = Files.createDirectories(tree.resolve("system.slice/ci.service/cellrunner-" + DEAD + "-run1"));
        Path top = Files.createDirectories(tree.resolve("cellrunner-runner-" + DEAD));
        Path live = Files.createDirectories(tree.resolve("cellrunner-42-run2"));
        Path unrelated = Files.createDirectories(tree.resolve("cellrunner-other"));
        Files.writeString(tree.resolve("cellrunner-" + DEAD + "-file"), "a file, not a group");

        assertThat(DeadRunnerGroups.find(tree, ONLY_DEAD_IS_DEAD)).containsExactlyInAnyOrder(deep, top);

        List<String> done = DeadRunnerGroups.collect(List.of(tree), ONLY_DEAD_IS_DEAD);
        assertThat(done).containsExactlyInAnyOrder("removed cgroup " + deep, "removed cgroup " + top);
        assertThat(deep).doesNotExist();
        assertThat(top).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(unrelated).isDirectory();
    }

    @Test
    void atRunStartOnlyTheChildrenOfTheRunnersGroupAreLookedAt() throws IOException {
        Path child = Files.createDirectories(tree.resolve("cellrunner-" + DEAD + "-run1"));
        Path grandchild = Files.createDirectories(tree.resolve("other.slice/cellrunner-" + DEAD + "-run2"));

        assertThat(DeadRunnerGroups.killOrphansIn(tree, ONLY_DEAD_IS_DEAD, Duration.ofSeconds(1)))
                .containsExactly("removed cgroup " + child);
        assertThat(grandchild).isDirectory();
    }

    @Test
    void onTheKernelADeadRunnersCellIsKilledThroughCgroupKillAndItsLeafRemoved() throws Exception {
        Path parent = ownTestGroup(v2Own());
        Process orphan = null;
        try {
            Path leaf = Files.createDirectory(parent.resolve("cellrunner-" + DEAD + "-" + UUID.randomUUID()));
            orphan = sleeperIn(leaf);

            List<String> done = DeadRunnerGroups.killOrphansIn(parent, ONLY_DEAD_IS_DEAD, Duration.ofSeconds(5));

            assertThat(orphan.waitFor(5, TimeUnit.SECONDS)).as("the orphaned cell's process died").isTrue();
            assertThat(done).containsExactly("killed 1 process of " + leaf.getFileName() + ", whose runner is gone",
                    "removed cgroup " + leaf);
            assertThat(leaf).doesNotExist();
        } finally {
            cleanUp(orphan, parent);
        }
    }

    @Test
    void onTheKernelAV1GroupOfADeadRunnerIsEmptiedProcessByProcessAndRemoved() throws Exception {
        Path pids = CgroupLayout.ofThisProcess().v1Own().get("pids");
        assumeTrue(pids != null && Files.exists(pids.resolve("tasks")), "SKIP: no cgroup v1 pids hierarchy on this host");
        Path parent = ownTestGroup(pids);
        Process orphan = null;
        try {
            Path group = Files.createDirectory(parent.resolve("cellrunner-" + DEAD + "-" + UUID.randomUUID()));
            orphan = sleeperIn(group);

            List<String> done = DeadRunnerGroups.collect(List.of(parent), ONLY_DEAD_IS_DEAD);

            assertThat(orphan.waitFor(5, TimeUnit.SECONDS)).as("the process in the v1 group died").isTrue();
            assertThat(done).contains("removed cgroup " + group);
            assertThat(group).doesNotExist();
        } finally {
            cleanUp(orphan, parent);
        }
    }

    private static Path v2Own() throws IOException {
        Path own = CgroupLayout.ofThisProcess().v2Own().orElse(null);
        assumeTrue(own != null && Files.exists(own.resolve("cgroup.procs")), "SKIP: kernel lacks a cgroup v2 hierarchy");
        return own;
    }

    private static Path ownTestGroup(Path below) throws IOException {
        return Files.createDirectory(below.resolve("hardening-gc-test-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    /** A sleep(1) moved into {@code group}; it is the only process there. */
    private static Process sleeperIn(Path group) throws IOException {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        Files.writeString(group.resolve("cgroup.procs"), Long.toString(sleeper.pid()), StandardCharsets.US_ASCII);
        return sleeper;
    }

    private static void cleanUp(Process orphan, Path parent) throws IOException {
        if (orphan != null) {
            orphan.destroyForcibly();
        }
        try (var groups = Files.walk(parent)) {
            for (Path group : groups.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                for (int tries = 0; tries < 50 && Files.exists(group); tries++) {
                    try {
                        Files.delete(group);
                    } catch (IOException busy) {
                        sleep();
                    }
                }
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
