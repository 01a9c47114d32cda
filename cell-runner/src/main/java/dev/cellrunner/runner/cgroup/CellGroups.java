package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.os.SpawnLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * All cgroups of one cell: the v2 leaf that holds every process (and the lifetime kill via
 * cgroup.kill), and the limits, in that leaf (v2 controllers) or in v1 groups of the same name.
 * Everything is created below the runner's own groups and removed afterwards.
 */
public final class CellGroups {
    /** A cell's groups are named this prefix, the runner's PID, '-' and the run id (gc reads the PID back). */
    static final String PREFIX = "cellrunner-";
    /** How long a run waits for orphaned cells it found to die before it goes on. */
    private static final Duration ORPHAN_KILL_WAIT = Duration.ofSeconds(1);

    private final CellCgroup leaf;
    private final CellLimits limits;
    private final V2Delegation delegation;
    private final Path runnerHome;

    private CellGroups(CellCgroup leaf, CellLimits limits, V2Delegation delegation, Path runnerHome) {
        this.leaf = leaf;
        this.limits = limits;
        this.delegation = delegation;
        this.runnerHome = runnerHome;
    }

    /**
     * Creates the groups of run {@code runId}. First kills the cells among its siblings whose runner is
     * gone (a cell must not outlive its runner; see {@link DeadRunnerGroups#killOrphansIn}); {@code log}
     * says what it killed (the empty groups it removes are not worth a line).
     */
    public static CellGroups create(LimitsPlan plan, String runId, Consumer<String> log) throws Refusal {
        String name = PREFIX + ProcessHandle.current().pid() + "-" + runId;
        V2Delegation delegation = null;
        CellCgroup leaf = null;
        // Under SpawnLock: another cell's spawn moves the whole runner into that cell's leaf for an instant,
        // and /proc/self/cgroup read then would place this cell's groups inside the other cell's.
        SpawnLock.LOCK.lock();
        try {
            CgroupLayout layout = CgroupLayout.ofThisProcess();
            Path current = layout.v2Own().orElseThrow(() -> new Refusal("lifetime",
                    "no cgroup v2 hierarchy is mounted to hold the cell's processes"));
            Path own = V2Delegation.cellParent(current);
            for (String done : DeadRunnerGroups.killOrphansIn(own, ORPHAN_KILL_WAIT)) {
                if (!done.startsWith("removed")) {
                    log.accept(done);
                }
            }
            delegation = V2Delegation.enable(own, plan.controllers(LimitsPlan.Mechanism.V2));
            leaf = CellCgroup.create(own, name);
            CellLimits limits = CellLimits.create(plan, layout.v1Own(), leaf.dir(), name);
            Path home = CgroupLayout.ofThisProcess().v2Own().orElse(own);
            return new CellGroups(leaf, limits, delegation, home);
        } catch (IOException e) {
            new CellGroups(leaf, null, delegation, null).remove(message -> { });
            throw new Refusal("run.limits", "cannot set up the cell's cgroups: " + e.getMessage(), e);
        } finally {
            SpawnLock.LOCK.unlock();
        }
    }

    public CellCgroup leaf() {
        return leaf;
    }

    public CellLimits limits() {
        return limits;
    }

    /** The v2 group the runner returns to after it sat in the leaf to spawn. */
    public Path runnerHome() {
        return runnerHome;
    }

    /** Raises v2 pids.max by the runner's current thread count, for the instant it spends in the leaf. */
    public void admitRunner() throws IOException {
        limits.admitRunner(runnerThreads());
    }

    /** Removes every group (the cell's processes must be gone); failures are logged, not thrown. */
    public void remove(Consumer<String> log) {
        if (leaf != null) {
            try {
                leaf.remove();
            } catch (IOException e) {
                log.accept("cannot remove " + leaf.dir() + ": " + e.getMessage());
            }
        }
        if (limits != null) {
            try {
                limits.remove();
            } catch (IOException e) {
                log.accept("cannot remove the cell's cgroup v1 groups: " + e.getMessage());
            }
        }
        if (delegation != null) {
            try {
                delegation.restore();
            } catch (IOException e) {
                log.accept("cannot restore the runner's cgroup v2 group: " + e.getMessage());
            }
        }
    }

    private static int runnerThreads() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IOException("/proc/self/status has no Threads line");
    }
}
