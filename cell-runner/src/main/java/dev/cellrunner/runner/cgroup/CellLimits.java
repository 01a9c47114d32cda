package dev.cellrunner.runner.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cgroup limits of one cell, written where {@link LimitsPlan} says: into the cell's v2 leaf, or
 * into a group of the same name below the runner's own group in each v1 hierarchy.
 *
 * <p>v1 groups hold threads: the launch thread is placed in them before it spawns, so the workload is
 * born inside, and is moved back to the runner's own groups right after the spawn. pids.max is exact
 * from the start: while the launch thread is inside it takes one task of the limit, which only ever
 * makes the limit stricter for that instant, never looser. On v2 the whole runner sits
 * in the leaf for the instant of the spawn: pids.max is raised by its thread count plus a margin for
 * that instant, and memory.max is only written once the runner has left (a memory limit hit while
 * the runner is inside would make the runner the OOM killer's target). Between those writes and the
 * spawn there is no fork the workload could make; what it holds by then counts against the limit.
 */
public final class CellLimits {
    /** JVM threads that may start while the runner sits in a v2 leaf. */
    static final int RUNNER_THREAD_MARGIN = 16;

    private final LimitsPlan plan;
    private final Path v2Leaf;
    private final Map<String, Path> v1Groups;
    private final Map<String, Path> v1Own;

    private CellLimits(LimitsPlan plan, Path v2Leaf, Map<String, Path> v1Groups, Map<String, Path> v1Own) {
        this.plan = plan;
        this.v2Leaf = v2Leaf;
        this.v1Groups = v1Groups;
        this.v1Own = v1Own;
    }

    /** Creates the v1 groups named {@code name} and writes every limit that may hold from now on. */
    public static CellLimits create(LimitsPlan plan, Map<String, Path> v1Own, Path v2Leaf, String name)
            throws IOException {
        Map<String, Path> v1Groups = new LinkedHashMap<>();
        CellLimits limits = new CellLimits(plan, v2Leaf, v1Groups, v1Own);
        try {
            for (String controller : plan.controllers(LimitsPlan.Mechanism.V1)) {
                Path group = v1Own.get(controller).resolve(name);
                if (!v1Groups.containsValue(group)) {
                    Files.createDirectory(group); // co-mounted controllers (cpu,cpuacct) share one group
                }
                v1Groups.put(controller, group);
            }
            for (LimitsPlan.Limit limit : plan.limits()) {
                limits.writeInitial(limit);
            }
        } catch (IOException e) {
            limits.remove();
            throw e;
        }
        return limits;
    }

    private void writeInitial(LimitsPlan.Limit limit) throws IOException {
        Path group = groupOf(limit);
        boolean v1 = limit.mechanism() == LimitsPlan.Mechanism.V1;
        switch (limit.controller()) {
            case "memory" -> {
                if (v1) {
                    write(group, "memory.limit_in_bytes", limit.value());
                    writeIfPresent(group, "memory.memsw.limit_in_bytes", Long.toString(limit.value()));
                }
            }
            case "pids" -> write(group, "pids.max", limit.value());
            case "cpu" -> {
                long quota = limit.value() * LimitsPlanner.CPU_PERIOD_US / 1000;
                if (v1) {
                    write(group, "cpu.cfs_period_us", LimitsPlanner.CPU_PERIOD_US);
                    write(group, "cpu.cfs_quota_us", quota);
                } else {
                    writeText(group, "cpu.max", quota + " " + LimitsPlanner.CPU_PERIOD_US);
                }
            }
            default -> throw new IllegalStateException("no such controller " + limit.controller());
        }
    }

    /** v1: puts thread {@code tid} (the launch thread) into every v1 group; its children are born there. */
    public void placeThread(int tid) throws IOException {
        for (Path group : new LinkedHashSet<>(v1Groups.values())) {
            writeText(group, "tasks", Integer.toString(tid));
        }
    }

    /** v1: takes thread {@code tid} back to the runner's own groups, so only the workload counts. */
    public void releaseThread(int tid) throws IOException {
        for (String controller : v1Groups.keySet()) {
            writeText(v1Own.get(controller), "tasks", Integer.toString(tid));
        }
    }

    /** v2: makes room in pids.max for the runner's own threads while it sits in the leaf to spawn. */
    public void admitRunner(int runnerThreads) throws IOException {
        for (LimitsPlan.Limit limit : plan.limits()) {
            if (limit.controller().equals("pids") && limit.mechanism() == LimitsPlan.Mechanism.V2) {
                write(v2Leaf, "pids.max", limit.value() + runnerThreads + RUNNER_THREAD_MARGIN);
            }
        }
    }

    /** After the spawn, with the runner out of the groups: the exact limits. */
    public void tighten() throws IOException {
        for (LimitsPlan.Limit limit : plan.limits()) {
            if (limit.controller().equals("pids")) {
                write(groupOf(limit), "pids.max", limit.value());
            } else if (limit.controller().equals("memory") && limit.mechanism() == LimitsPlan.Mechanism.V2) {
                write(v2Leaf, "memory.max", limit.value());
                writeIfPresent(v2Leaf, "memory.swap.max", "0");
            }
        }
    }

    /** What the kernel holds now for each limit, read back from the group's files. */
    public List<LimitObservation> observe() {
        List<LimitObservation> observations = new ArrayList<>();
        for (LimitsPlan.Limit limit : plan.limits()) {
            Path group = groupOf(limit);
            String file = switch (limit.controller()) {
                case "memory" -> limit.mechanism() == LimitsPlan.Mechanism.V1 ? "memory.limit_in_bytes" : "memory.max";
                case "pids" -> "pids.max";
                default -> limit.mechanism() == LimitsPlan.Mechanism.V1 ? "cpu.cfs_quota_us" : "cpu.max";
            };
            String observed = read(group.resolve(file));
            observations.add(new LimitObservation(limit, group.resolve(file), observed, holds(limit, observed)));
        }
        return observations;
    }

    static boolean holds(LimitsPlan.Limit limit, String observed) {
        try {
            return switch (limit.controller()) {
                // the kernel rounds a memory limit down to whole pages
                case "memory" -> Long.parseLong(observed) <= limit.value()
                        && Long.parseLong(observed) > limit.value() - 4096;
                case "pids" -> Long.parseLong(observed) == limit.value();
                default -> observed.split(" ")[0].equals(
                        Long.toString(limit.value() * LimitsPlanner.CPU_PERIOD_US / 1000));
            };
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * What the limits did during the run: how often pids.max refused a fork and the most tasks the
     * group held (-1 where the kernel has no pids.peak), how many processes the OOM killer ended, how
     * often memory hit its limit, how many CPU periods were throttled.
     */
    public Map<String, Long> counters() {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (LimitsPlan.Limit limit : plan.limits()) {
            Path group = groupOf(limit);
            boolean v1 = limit.mechanism() == LimitsPlan.Mechanism.V1;
            switch (limit.controller()) {
                case "pids" -> {
                    counters.put("pidsMaxReached", keyed(group.resolve("pids.events"), "max"));
                    counters.put("pidsPeak", number(read(group.resolve("pids.peak"))));
                }
                case "memory" -> {
                    counters.put("oomKills", keyed(group.resolve(v1 ? "memory.oom_control" : "memory.events"),
                            "oom_kill"));
                    counters.put("memoryMaxReached", v1 ? number(read(group.resolve("memory.failcnt")))
                            : keyed(group.resolve("memory.events"), "max"));
                }
                default -> counters.put("cpuThrottledPeriods", keyed(group.resolve("cpu.stat"), "nr_throttled"));
            }
        }
        return counters;
    }

    /** The group each controller's limit lives in, for checking /proc/&lt;pid&gt;/cgroup. */
    public Map<String, Path> v1Groups() {
        return Map.copyOf(v1Groups);
    }

    public LimitsPlan plan() {
        return plan;
    }

    /** Removes the v1 groups; their tasks have ended (the kernel may need a moment to let go). */
    public void remove() throws IOException {
        IOException failure = null;
        for (Path group : new LinkedHashSet<>(v1Groups.values())) {
            try {
                removeWhenEmpty(group);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void removeWhenEmpty(Path group) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(group);
                return;
            } catch (FileSystemException e) {
                if (attempt >= 200) {
                    throw e;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private Path groupOf(LimitsPlan.Limit limit) {
        return limit.mechanism() == LimitsPlan.Mechanism.V1 ? v1Groups.get(limit.controller()) : v2Leaf;
    }

    private static void write(Path group, String file, long value) throws IOException {
        writeText(group, file, Long.toString(value));
    }

    private static void writeText(Path group, String file, String value) throws IOException {
        Files.writeString(group.resolve(file), value, StandardCharsets.US_ASCII);
    }

    private static void writeIfPresent(Path group, String file, String value) throws IOException {
        if (Files.exists(group.resolve(file))) {
            writeText(group, file, value);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** The value of "key N" in a flat-keyed cgroup file (pids.events, memory.events, cpu.stat, ...). */
    static long keyed(Path file, String key) {
        for (String line : read(file).split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[0].equals(key)) {
                return number(fields[1]);
            }
        }
        return -1;
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One limit as the kernel holds it. */
    public record LimitObservation(LimitsPlan.Limit limit, Path file, String observed, boolean holds) {
    }
}
