import dev.cellrunner.runner.confine.IdentityPlanner;
import dev.cellrunner.runner.confine.UidAllocator;
import dev.cellrunner.runner.confine.UidRange;
import dev.cellrunner.runner.os.Nss;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * What a cell's identity costs the runner, step by step, in one warm JVM: taking a uid from the range
 * and releasing it (a lock file under a state directory of its own, the NSS lookups of each candidate),
 * with no other cell and with HELD uids held by live cells (so the search passes over them), and the NSS
 * lookups alone (what each candidate uid costs) and of a named run.user. Prints medians and 99th
 * percentiles in microseconds, never asserts. Usage (root):
 * java -cp cell-runner/target/cell-runner.jar bench/IdentityCost.java [ROUNDS] [HELD]
 */
public final class IdentityCost {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int held = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path state = Files.createTempDirectory("cr-bench-identity");
        try {
            UidAllocator allocator = new UidAllocator(UidRange.DEFAULT, state);
            for (int i = 0; i < 200; i++) { // warm-up: class loading, JIT, NSS modules
                allocator.allocate("warm-up").close();
                Nss.user(61184 + i);
            }
            report("allocate + release a uid, no other cell", time(rounds, () -> allocator.allocate("bench").close()));
            List<UidAllocator.Lease> live = new ArrayList<>();
            for (int i = 0; i < held; i++) {
                live.add(allocator.allocate("live-" + i));
            }
            report("allocate + release a uid, " + held + " held by live cells",
                    time(rounds, () -> allocator.allocate("bench").close()));
            for (UidAllocator.Lease lease : live) {
                lease.close();
            }
            int[] next = {61184};
            report("NSS: user and group of an unknown uid (per candidate)", time(rounds, () -> {
                int uid = next[0]++ % 4000 + 61184;
                Nss.user(uid);
                Nss.groupExists(uid);
            }));
            report("plan run.user \"nobody\" (NSS by name)", time(rounds,
                    () -> IdentityPlanner.plan("nobody", null, false, UidRange.DEFAULT)));
        } finally {
            try (var files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static List<Double> time(int rounds, Step step) throws Exception {
        List<Double> micros = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            step.run();
            micros.add((System.nanoTime() - start) / 1e3);
        }
        return micros;
    }

    private static void report(String what, List<Double> micros) {
        Collections.sort(micros);
        System.out.printf("%-58s median %8.1f us   p99 %8.1f us%n", what, micros.get(micros.size() / 2),
                micros.get(micros.size() * 99 / 100));
    }
}
