import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.cell.LaunchThread;
import dev.cellrunner.runner.egress.CellNetwork;
import dev.cellrunner.runner.egress.NetworkEnforcement;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network part of a cell, step by step, in one warm JVM (as the resident mode runs it): a launch
 * thread enters a fresh namespace, then CellNetwork sets up (ruleset applied and read back; with rules,
 * the uplink), the counters are read as after a run, and the network is closed. Prints medians in ms:
 * apply and uplink as the runner reports them; setUp, counters and close (until the call returns) as
 * this loop sees them; teardown = from close until every host-side removal is done (awaited mode only);
 * path = setUp + counters + close (what a cell waits for); all = path + the rest of the teardown;
 * cells/s over the whole measured loop (namespace creation included, last teardowns drained); and
 * cpu/cell, the JVM's CPU time (all threads) over that loop per cell, which moves less with the load.
 *
 * <p>Modes: by default each cell's teardown is awaited before the next cell starts; with RESIDENT (or
 * PARALLEL above 1) the next cell starts while the last teardown runs in the background, as in a
 * resident runner; PARALLEL workers run cells at once. Printed, never asserted.
 * With {@code names}, the rules are wildcards, so each cell also gets its DNS responder.
 * Usage (as root, inside a scratch network namespace: see bench/netpath.sh):
 * java -cp cell-runner/target/cell-runner.jar bench/NetPath.java RULES ITERATIONS [PARALLEL [resident] [header] [names]]
 */
public final class NetPath {
    static final List<String> COLUMNS = List.of("apply", "uplink", "setUp", "counters", "close", "teardown", "path", "all");
    /** CPU time of the whole JVM (every thread: runner, launch, timers, GC, JIT) over the measured loop. */
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final Duration DRAIN = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        int ruleCount = Integer.parseInt(args[0]);
        int iterations = Integer.parseInt(args[1]);
        int parallel = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        List<String> flags = List.of(args).subList(Math.min(3, args.length), args.length);
        boolean resident = parallel > 1 || flags.contains("resident");
        List<PinnedRule> rules = EgressPinning.pin(flags.contains("names") ? wildcards(ruleCount) : rules(ruleCount),
                Map.of());
        Map<String, String> env = Map.of("CELL_RUNNER_STATE_DIR", System.getenv().getOrDefault("CELL_RUNNER_STATE_DIR",
                System.getProperty("java.io.tmpdir") + "/netpath-bench-" + ProcessHandle.current().pid()));

        cells(Math.max(5, iterations / 5), rules, env, resident, new ConcurrentHashMap<>()); // warm-up
        drain();
        Map<String, List<Double>> samples = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long cpuStart = OS.getProcessCpuTime();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < parallel; w++) {
            Thread worker = new Thread(() -> {
                try {
                    cells(iterations / parallel, rules, env, resident, samples);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }, "bench-worker-" + w);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        drain();
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.get(0));
        }
        double cellsPerSecond = parallel * (iterations / parallel) / ((System.nanoTime() - start) / 1e9);
        double cpuPerCell = (OS.getProcessCpuTime() - cpuStart) / 1e6 / (parallel * (iterations / parallel));

        if (flags.contains("header")) {
            StringBuilder header = new StringBuilder(String.format("%6s %3s", "rules", "par"));
            COLUMNS.forEach(c -> header.append(String.format(" %9s", c)));
            System.out.println(header.append(String.format(" %9s %9s", "cells/s", "cpu/cell")));
        }
        StringBuilder line = new StringBuilder(String.format("%6d %3d", ruleCount, parallel));
        for (String key : COLUMNS) {
            List<Double> values = samples.get(key);
            line.append(values == null ? String.format(" %9s", "-") : String.format(" %9.2f", median(values)));
        }
        System.out.println(line.append(String.format(" %9.1f %9.2f", cellsPerSecond, cpuPerCell)));
    }

    /** Runs {@code count} cells' networks one after the other, adding their timings to {@code samples}. */
    static void cells(int count, List<PinnedRule> rules, Map<String, String> env, boolean resident,
                      Map<String, List<Double>> samples) throws Exception {
        for (int i = 0; i < count; i++) {
            LaunchThread launch = LaunchThread.start("bench-launch");
            launch.call(() -> {
                NetworkNamespace.enterNew();
                NetworkNamespace.bringLoopbackUp();
                return null;
            });
            long t0 = System.nanoTime();
            CellNetwork network = CellNetwork.setUp(launch::submit, launch.tid(), rules, env, System.err::println);
            long t1 = System.nanoTime();
            launch.close();
            long t2 = System.nanoTime();
            NetworkEnforcement after = network.observeAfterRun();
            long t3 = System.nanoTime();
            network.close();
            long t4 = System.nanoTime();
            if (after.failure() != null) {
                throw new IllegalStateException(after.failure());
            }
            add(samples, "apply", network.setup().applyMillis());
            add(samples, "uplink", network.setup().uplinkMillis());
            add(samples, "setUp", (t1 - t0) / 1e6);
            add(samples, "counters", (t3 - t2) / 1e6);
            add(samples, "close", (t4 - t3) / 1e6);
            add(samples, "path", (t1 - t0 + t4 - t2) / 1e6);
            if (!resident) {
                drain();
                long t5 = System.nanoTime();
                add(samples, "teardown", (t5 - t3) / 1e6);
                add(samples, "all", (t1 - t0 + t5 - t2) / 1e6);
            }
        }
    }

    static List<EgressRule> rules(int n) {
        List<EgressRule> rules = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String host = i % 3 != 0 ? "198.51." + (100 + (i / 250) % 2) + "." + (i % 250 + 1)
                    : "2001:db8::" + Integer.toHexString(i);
            rules.add(new EgressRule(host, 1000 + i, i % 2 == 1 ? Protocol.UDP : Protocol.TCP));
        }
        return rules;
    }

    /** Wildcard rules: the cell gets its DNS responder (answered by nobody here: only its cost is measured). */
    static List<EgressRule> wildcards(int n) {
        List<EgressRule> rules = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rules.add(new EgressRule("*.n" + i + ".bench.test", 1000 + i, Protocol.TCP));
        }
        return rules;
    }

    private static void drain() throws InterruptedException {
        if (!CellNetwork.awaitTeardowns(DRAIN)) {
            throw new IllegalStateException("teardowns did not finish in " + DRAIN);
        }
    }

    private static void add(Map<String, List<Double>> samples, String key, double value) {
        samples.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(value);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
