package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.os.SpawnLock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes cgroup v2 controllers usable by the runner's child groups. The kernel's "no internal
 * processes" rule forbids enabling a controller in a group's cgroup.subtree_control while processes
 * sit in the group itself (except in the root). So when the runner is the only process in its group,
 * it first moves into a leaf of its own ({@code cellrunner-runner-<pid>}), then enables the
 * controllers; {@link #restore()} undoes both. A group shared with other processes is refused: the
 * runner will not move processes that are not its own (start it in a group of its own, e.g.
 * {@code systemd-run --scope -p Delegate=yes}).
 * Everything that moves the runner between groups holds {@code SpawnLock}.
 */
public final class V2Delegation {
    /** The runner's own leaf is this prefix plus its PID. */
    static final String RUNNER_LEAF_PREFIX = "cellrunner-runner-";

    /** The delegation in force for the cells in flight; one per runner process. Guarded by SpawnLock. */
    private static Shared active;

    private final boolean counted;

    private V2Delegation(boolean counted) {
        this.counted = counted;
    }

    /**
     * The group cells are created below, given the runner's current v2 group: while the runner sits in its
     * delegation leaf, that leaf's parent.
     */
    public static Path cellParent(Path runnerGroup) {
        SpawnLock.LOCK.lock();
        try {
            return active != null && active.runnerLeaf != null && active.runnerLeaf.equals(runnerGroup)
                    ? active.own : runnerGroup;
        } finally {
            SpawnLock.LOCK.unlock();
        }
    }

    /**
     * Enables {@code controllers} for the children of {@code own}. Cells in flight share one delegation:
     * the first enables, later ones add what they miss, and only the last to end undoes it (a controller
     * switched off under a running cell would silently drop that cell's limits).
     */
    public static V2Delegation enable(Path own, Set<String> controllers) throws IOException, Refusal {
        SpawnLock.LOCK.lock();
        try {
            if (controllers.isEmpty()) {
                return new V2Delegation(false);
            }
            Set<String> missing = new TreeSet<>(controllers);
            missing.removeAll(words(own.resolve("cgroup.subtree_control")));
            if (active == null && missing.isEmpty()) {
                return new V2Delegation(false);
            }
            if (active == null) {
                active = new Shared(own, moveRunnerAside(own, missing));
            }
            try {
                if (!missing.isEmpty()) {
                    Files.writeString(own.resolve("cgroup.subtree_control"), change('+', missing),
                            StandardCharsets.US_ASCII);
                    active.enabled.addAll(missing);
                }
            } finally {
                active.users++; // counted even on failure: restore() below undoes what this cell began
            }
            return new V2Delegation(true);
        } catch (IOException | Refusal | RuntimeException e) {
            if (active != null && active.users == 0) {
                active = null;
            }
            throw e;
        } finally {
            SpawnLock.LOCK.unlock();
        }
    }

    /** A non-root group may hold no processes once its children use controllers: the runner steps aside. */
    private static Path moveRunnerAside(Path own, Set<String> missing) throws IOException, Refusal {
        boolean root = !Files.exists(own.resolve("cgroup.type"));
        if (root) {
            return null;
        }
        String self = Long.toString(ProcessHandle.current().pid());
        List<String> procs = words(own.resolve("cgroup.procs"));
        if (procs.stream().anyMatch(pid -> !pid.equals(self))) {
            throw new Refusal("run.limits", "cannot enable the cgroup v2 controllers " + missing + " below " + own
                    + ": it holds other processes too (cgroup v2 allows no processes in a group whose children "
                    + "use controllers); start the runner in a cgroup of its own");
        }
        if (!procs.contains(self)) {
            return null;
        }
        Path runnerLeaf = own.resolve(RUNNER_LEAF_PREFIX + self);
        Files.createDirectories(runnerLeaf);
        RunnerMigration.moveRunnerTo(runnerLeaf);
        return runnerLeaf;
    }

    /** This cell is done with the controllers; the last one disables them and moves the runner back. */
    public void restore() throws IOException {
        if (!counted) {
            return;
        }
        SpawnLock.LOCK.lock();
        try {
            if (--active.users > 0) {
                return;
            }
            Shared ending = active;
            active = null;
            if (!ending.enabled.isEmpty()) {
                Files.writeString(ending.own.resolve("cgroup.subtree_control"), change('-', ending.enabled),
                        StandardCharsets.US_ASCII);
            }
            if (ending.runnerLeaf != null) {
                RunnerMigration.moveRunnerTo(ending.own);
                Files.deleteIfExists(ending.runnerLeaf);
            }
        } finally {
            SpawnLock.LOCK.unlock();
        }
    }

    private static String change(char sign, Set<String> controllers) {
        List<String> parts = new ArrayList<>();
        controllers.forEach(c -> parts.add(sign + c));
        return String.join(" ", parts);
    }

    private static List<String> words(Path file) throws IOException {
        String text = Files.readString(file).trim();
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\\s+"));
    }

    /** What the cells in flight share: where the runner stepped aside to, what was enabled, how many use it. */
    private static final class Shared {
        final Path own;
        final Path runnerLeaf;
        final Set<String> enabled = new TreeSet<>();
        int users;

        Shared(Path own, Path runnerLeaf) {
            this.own = own;
            this.runnerLeaf = runnerLeaf;
        }
    }
}
