package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.cell.Refusal;

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
 */
public final class V2Delegation {
    /** The runner's own leaf is this prefix plus its PID. */
    static final String RUNNER_LEAF_PREFIX = "cellrunner-runner-";

    private final Path own;
    private final Path runnerLeaf;
    private final Set<String> enabled;

    private V2Delegation(Path own, Path runnerLeaf, Set<String> enabled) {
        this.own = own;
        this.runnerLeaf = runnerLeaf;
        this.enabled = enabled;
    }

    public static V2Delegation enable(Path own, Set<String> controllers) throws IOException, Refusal {
        Set<String> missing = new TreeSet<>(controllers);
        missing.removeAll(words(own.resolve("cgroup.subtree_control")));
        if (missing.isEmpty()) {
            return new V2Delegation(own, null, Set.of());
        }
        Path runnerLeaf = null;
        boolean root = !Files.exists(own.resolve("cgroup.type"));
        if (!root) {
            String self = Long.toString(ProcessHandle.current().pid());
            List<String> procs = words(own.resolve("cgroup.procs"));
            if (procs.stream().anyMatch(pid -> !pid.equals(self))) {
                throw new Refusal("run.limits", "cannot enable the cgroup v2 controllers " + missing + " below " + own
                        + ": it holds other processes too (cgroup v2 allows no processes in a group whose children "
                        + "use controllers); start the runner in a cgroup of its own");
            }
            if (procs.contains(self)) {
                runnerLeaf = own.resolve(RUNNER_LEAF_PREFIX + self);
                Files.createDirectories(runnerLeaf);
                RunnerMigration.moveRunnerTo(runnerLeaf);
            }
        }
        try {
            Files.writeString(own.resolve("cgroup.subtree_control"), change('+', missing), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            new V2Delegation(own, runnerLeaf, Set.of()).restore();
            throw e;
        }
        return new V2Delegation(own, runnerLeaf, missing);
    }

    /** Disables what was enabled and moves the runner back into its own group. */
    public void restore() throws IOException {
        if (!enabled.isEmpty()) {
            Files.writeString(own.resolve("cgroup.subtree_control"), change('-', enabled), StandardCharsets.US_ASCII);
        }
        if (runnerLeaf != null) {
            RunnerMigration.moveRunnerTo(own);
            Files.deleteIfExists(runnerLeaf);
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
}
