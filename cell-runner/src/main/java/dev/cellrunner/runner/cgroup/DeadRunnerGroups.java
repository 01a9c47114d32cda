package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.observe.RunnerProcesses;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Cgroups left by runners that are gone (kill -9, a crash): cells' v2 leaves and v1 groups
 * ({@code cellrunner-<pid>-<runId>}) and the leaf a runner moved into to delegate v2 controllers
 * ({@code cellrunner-runner-<pid>}). A cell must not outlive its runner, so processes still in such a
 * group are killed ({@code cgroup.kill} on v2, SIGKILL per process on v1) before it is removed.
 * Groups whose runner is alive are never touched. Methods return what they did, one sentence each;
 * sentences starting with "cannot" are problems.
 */
public final class DeadRunnerGroups {
    /** How long gc waits for a group's processes to die. */
    static final Duration GC_KILL_WAIT = Duration.ofSeconds(5);

    private DeadRunnerGroups() {
    }

    /** The runner PID in the name of one of our groups, or empty for any other name (no regex: run start-up path). */
    static OptionalLong ownerOf(String name) {
        if (name.startsWith(V2Delegation.RUNNER_LEAF_PREFIX)) {
            return digits(name, V2Delegation.RUNNER_LEAF_PREFIX.length(), name.length());
        }
        if (!name.startsWith(CellGroups.PREFIX)) {
            return OptionalLong.empty();
        }
        int dash = name.indexOf('-', CellGroups.PREFIX.length());
        return dash < 0 || dash == name.length() - 1 ? OptionalLong.empty()
                : digits(name, CellGroups.PREFIX.length(), dash);
    }

    private static OptionalLong digits(String name, int from, int to) {
        if (to <= from || to - from > 18) {
            return OptionalLong.empty();
        }
        for (int i = from; i < to; i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(Long.parseLong(name, from, to, 10));
    }

    /**
     * At the start of a run: kills cells of dead runners among the children of {@code v2Dir} (where
     * runners started like this one put their cells) and removes their leaves once empty. One
     * directory listing plus a /proc read per group of ours found there; never throws.
     */
    public static List<String> killOrphansIn(Path v2Dir, Duration wait) {
        return killOrphansIn(v2Dir, null, wait);
    }

    /** @param liveRunner null: {@link RunnerProcesses#isLive} (called directly: no lambda to spin up at start-up) */
    static List<String> killOrphansIn(Path v2Dir, LongPredicate liveRunner, Duration wait) {
        List<String> done = new ArrayList<>();
        try {
            for (Path group : children(v2Dir, liveRunner)) {
                collect(group, wait, done);
            }
        } catch (IOException e) {
            done.add("cannot look for orphaned cells in " + v2Dir + ": " + e.getMessage());
        }
        return done;
    }

    /** gc: every group of a dead runner at any depth of the given hierarchies (v2 first): kill, then remove. */
    public static List<String> collect(List<Path> hierarchies, LongPredicate liveRunner) {
        List<String> done = new ArrayList<>();
        List<Path> found = new ArrayList<>();
        for (Path root : hierarchies) {
            try {
                found.addAll(find(root, liveRunner));
            } catch (IOException e) {
                done.add("cannot look for leftover cgroups in " + root + ": " + e.getMessage());
            }
        }
        // v2 leaves first: cgroup.kill there ends every process of the cell, also those in its v1 groups
        found.sort(Comparator.comparing(group -> isV2(group) ? 0 : 1));
        for (Path group : found) {
            collect(group, GC_KILL_WAIT, done);
        }
        return done;
    }

    /** Our groups below {@code root} whose runner is dead; the groups of live runners are not even opened. */
    static List<Path> find(Path root, LongPredicate liveRunner) throws IOException {
        List<Path> found = new ArrayList<>();
        Deque<Path> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Path dir = todo.pop();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    OptionalLong owner = ownerOf(entry.getFileName().toString());
                    if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    if (owner.isEmpty()) {
                        todo.push(entry);
                    } else if (!liveRunner.test(owner.getAsLong())) {
                        found.add(entry);
                    }
                }
            } catch (NoSuchFileException removedMeanwhile) {
                // another gc or the group's runner removed it
            }
        }
        return found;
    }

    private static List<Path> children(Path dir, LongPredicate liveRunner) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                OptionalLong owner = ownerOf(entry.getFileName().toString());
                if (owner.isPresent() && !(liveRunner == null ? RunnerProcesses.isLive(owner.getAsLong())
                        : liveRunner.test(owner.getAsLong()))) {
                    found.add(entry);
                }
            }
        }
        return found;
    }

    private static void collect(Path group, Duration wait, List<String> done) {
        try {
            int killed = isV2(group) ? killV2(group, wait) : killEach(group, wait);
            if (killed > 0) {
                done.add("killed " + killed + " process" + (killed == 1 ? "" : "es") + " of " + group.getFileName()
                        + ", whose runner is gone");
            }
            if (Files.deleteIfExists(group)) {
                done.add("removed cgroup " + group);
            }
        } catch (IOException e) {
            done.add("cannot remove cgroup " + group + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.add("cannot remove cgroup " + group + ": interrupted");
        }
    }

    private static boolean isV2(Path group) {
        return Files.exists(group.resolve("cgroup.events"));
    }

    private static int killV2(Path group, Duration wait) throws IOException, InterruptedException {
        CellCgroup cgroup = CellCgroup.existing(group);
        if (!Files.exists(group.resolve("cgroup.kill"))) {
            return killEach(group, wait); // kernels before 5.14
        }
        int killed = cgroup.killAll();
        if (!cgroup.awaitEmpty(wait)) {
            throw new IOException("its processes " + cgroup.pids() + " are still there after SIGKILL");
        }
        return killed;
    }

    /** SIGKILL to each process listed, again until none is left: a v1 group has no cgroup.kill. */
    private static int killEach(Path group, Duration wait) throws IOException, InterruptedException {
        CellCgroup cgroup = CellCgroup.existing(group);
        long deadline = System.nanoTime() + wait.toNanos();
        Set<Integer> killed = new HashSet<>();
        for (List<Integer> pids = cgroup.pids(); !pids.isEmpty(); pids = cgroup.pids()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("its processes " + pids + " are still there after SIGKILL");
            }
            for (int pid : pids) {
                ProcessHandle.of(pid).filter(ProcessHandle::destroyForcibly).ifPresent(p -> killed.add(pid));
            }
            Thread.sleep(5);
        }
        return killed.size();
    }
}
