import dev.cellrunner.events.testing.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.RetentionPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Cells per second of `cell-runner worker` (one, then two, each --parallel 2) draining a JetStream work
 * queue of COUNT documents, next to `run --parallel 2` over the same documents (events to the same
 * JetStream stream, and to JSONL). Every case starts its JVMs inside the clock. Cells: /usr/bin/true with
 * EGRESS egress rules, full confinement, signed events. Printed, never asserted.
 * Usage (root, in a private network namespace: bench/workers.sh): java -cp CP bench/Workers.java ROOT [COUNT]
 */
public class Workers {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int egress = Integer.parseInt(System.getenv().getOrDefault("EGRESS", "1"));
        Path work = Files.createTempDirectory("cr-bench-workers");
        System.out.printf("cell-runner workers (%s cores, java %s, load %s); %d cells of /usr/bin/true, %d egress rule(s)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Files.readString(Path.of("/proc/loadavg")).trim(), count, egress);
        try (NatsTestServer nats = NatsTestServer.start()) {
            List<Path> docs = documents(work, count, egress);
            report("run --parallel 2, events to JSONL", count,
                    timed(() -> run(root, work, "run-jsonl", docs, "--events", "jsonl:" + work.resolve("run.jsonl"))));
            String events = stream(nats, "RUN");
            report("run --parallel 2, events to JetStream", count,
                    timed(() -> run(root, work, "run-nats", docs, "--events", nats.url(events))));
            for (int workers : new int[] {1, 2}) {
                String id = "W" + workers;
                nats.createStream(id, RetentionPolicy.WorkQueue, "work." + id);
                String trail = stream(nats, id + "EV");
                List<String> enqueue = new ArrayList<>(List.of("enqueue", "--to", nats.url("work." + id)));
                docs.forEach(d -> enqueue.add(d.toString()));
                exec(root, work, "enqueue-" + id, enqueue);
                double seconds = timed(() -> {
                    List<Process> running = new ArrayList<>();
                    for (int w = 0; w < workers; w++) {
                        running.add(start(root, work, "worker-" + id + "-" + w, List.of("worker", "--from", nats.url(id),
                                "--parallel", "2", "--events", nats.url(trail), "--idle-exit-ms", "1500")));
                    }
                    awaitDrained(nats, id, count);
                    for (Process p : running) {
                        p.destroy();
                        p.waitFor(60, TimeUnit.SECONDS);
                    }
                });
                report(workers + " worker" + (workers > 1 ? "s" : "") + " x --parallel 2, events to JetStream", count, seconds);
            }
        }
    }

    static String stream(NatsTestServer nats, String name) throws Exception {
        String subject = "events." + name.toLowerCase();
        nats.createStream("EV_" + name, RetentionPolicy.Limits, subject);
        return subject;
    }

    interface Timed {
        void run() throws Exception;
    }

    static double timed(Timed body) throws Exception {
        long start = System.nanoTime();
        body.run();
        return (System.nanoTime() - start) / 1e9;
    }

    static void report(String what, int count, double seconds) {
        System.out.printf("%-52s %6.1f cells/s  (%d cells in %.1f s, JVM starts included)%n", what, count / seconds, count, seconds);
    }

    static List<Path> documents(Path dir, int count, int egress) throws Exception {
        List<Path> docs = new ArrayList<>();
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < egress; i++) {
            rules.append(i > 0 ? "," : "").append("{\"host\":\"198.51.100.").append(i % 250 + 1)
                    .append("\",\"port\":").append(443 + i).append(",\"protocol\":\"tcp\"}");
        }
        for (int i = 0; i < count; i++) {
            Path doc = dir.resolve("cell-" + i + ".json");
            Files.writeString(doc, "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"bench-"
                    + UUID.randomUUID().toString().substring(0, 8) + "\",\"lifetime\":{\"ttlSeconds\":30},"
                    + "\"authority\":{\"egressRules\":[" + rules + "]},\"run\":{\"argv\":[\"/usr/bin/true\"]}}}");
            docs.add(doc);
        }
        return docs;
    }

    static void run(Path root, Path work, String name, List<Path> docs, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("run"));
        docs.forEach(d -> args.add(d.toString()));
        args.addAll(List.of("--parallel", "2"));
        args.addAll(List.of(more));
        exec(root, work, name, args);
    }

    static Process start(Path root, Path work, String name, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(root.resolve("bin/cell-runner").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(work.resolve(name + ".out").toFile())
                .redirectError(work.resolve(name + ".err").toFile());
        builder.environment().put("XDG_STATE_HOME", work.resolve("state-" + name).toString());
        return builder.start();
    }

    static void exec(Path root, Path work, String name, List<String> args) throws Exception {
        Process process = start(root, work, name, args);
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException(name + " failed: " + Files.readString(work.resolve(name + ".err")));
        }
    }

    static void awaitDrained(NatsTestServer nats, String stream, int count) throws Exception {
        try (Connection connection = nats.connect()) {
            JetStreamManagement management = connection.jetStreamManagement();
            while (true) {
                if (management.getConsumerNames(stream).contains("cell-runner")) {
                    ConsumerInfo info = management.getConsumerInfo(stream, "cell-runner");
                    if (info.getNumPending() == 0 && info.getNumAckPending() == 0) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        }
    }
}
