import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.http.HttpMode;
import dev.cellrunner.events.http.HttpSink;
import dev.cellrunner.events.http.HttpSinkSettings;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Events per second for: build + sign + append to JSONL with the shipped fsync policy (fsync before
 * destroyed and at the end of every run: runs of 6 events), the same without fsync, and HTTP delivery to a
 * loopback receiver in structured and batch mode (one long run; the clock stops when every event is
 * accepted). Printed, never asserted. Usage: java -cp CP bench/EventThroughput.java [SECONDS]
 */
public class EventThroughput {
    static final SigningKey KEY = SigningKey.generateEphemeral();

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        Path dir = Files.createTempDirectory("cr-bench-events");
        System.out.printf("cell-runner event throughput (%s cores, java %s)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        jsonl(dir.resolve("warmup.jsonl"), 1, true);
        report("jsonl, build+sign+append, fsync twice per 6-event run (shipped)", jsonl(dir.resolve("a.jsonl"), seconds, true));
        report("jsonl, build+sign+append, no fsync", jsonl(dir.resolve("b.jsonl"), seconds, false));
        report("build+sign+serialize only (no sink: the CPU cost per event)", signOnly(seconds));
        http(dir, HttpMode.STRUCTURED, 2000);
        report("http structured, build+sign+spool+deliver", http(dir, HttpMode.STRUCTURED, 20_000));
        report("http batch, build+sign+spool+deliver", http(dir, HttpMode.BATCH, 50_000));
        report("http structured, flush of a 20,000-event spool (delivery only)", flush(dir, HttpMode.STRUCTURED, 20_000));
        report("http batch, flush of a 20,000-event spool (delivery only)", flush(dir, HttpMode.BATCH, 20_000));
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static void report(String what, double eventsPerSecond) {
        System.out.printf("%-66s %,10.0f events/s%n", what, eventsPerSecond);
    }

    static EventTrail trail(EventSink sink) {
        RunIdentity run = new RunIdentity("bench", "bench-cell", UUID.randomUUID().toString(), null);
        return new EventTrail(new CellEventFactory(run, Clock.systemUTC()), new ChainSigner(KEY), List.of(sink), m -> { });
    }

    static ObjectNode data(int i) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("exitCode", 0).put("durationMs", 1234).put("stdoutBytes", 4096L * i).put("timedOut", false);
        data.putArray("argv").add("/usr/bin/make").add("test").add("-j" + i);
        return data;
    }

    static double signOnly(double seconds) throws Exception {
        long events = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            EventTrail trail = new EventTrail(new CellEventFactory(new RunIdentity("bench", "bench-cell",
                    UUID.randomUUID().toString(), null), Clock.systemUTC()), new ChainSigner(KEY), List.of(), m -> { });
            for (int i = 0; i < 6; i++) {
                trail.emit(EventTypes.NETWORK_POLICY, data(i));
            }
            events += 6;
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }

    static double jsonl(Path file, double seconds, boolean fsync) throws Exception {
        long events = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try (JsonlSink sink = new JsonlSink(file)) {
            while (System.nanoTime() < end) {
                EventTrail trail = trail(sink);
                for (int i = 0; i < 5; i++) {
                    trail.emit(EventTypes.NETWORK_POLICY, data(i));
                }
                if (fsync) {
                    sink.sync();
                }
                trail.emit(EventTypes.DESTROYED, data(5));
                if (fsync) {
                    sink.sync();
                }
                events += 6;
            }
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }

    static HttpServer receiver(int port, AtomicLong requests) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.createContext("/events", exchange -> {
            exchange.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        return server;
    }

    static HttpSinkSettings settings(Path dir, int port, HttpMode mode) {
        URI uri = URI.create("http://127.0.0.1:" + port + "/events");
        return HttpSinkSettings.defaults(uri, mode, dir.resolve("spool"))
                .withTimeouts(java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(5));
    }

    /** Spools events while nothing listens, then times resending them all. */
    static double flush(Path dir, HttpMode mode, int events) throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        HttpSinkSettings settings = settings(dir, port, mode).withTimeouts(java.time.Duration.ofSeconds(5), java.time.Duration.ZERO);
        try (EventTrail trail = trail(new HttpSink(settings, m -> { }))) {
            for (int i = 0; i < events; i++) {
                trail.emit(EventTypes.NETWORK_POLICY, data(i));
            }
            trail.sync();
        }
        AtomicLong requests = new AtomicLong();
        HttpServer server = receiver(port, requests);
        try {
            long start = System.nanoTime();
            var report = new dev.cellrunner.events.http.SpoolFlusher(
                    settings.withTimeouts(java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(5))).flush();
            double rate = report.delivered() / ((System.nanoTime() - start) / 1e9);
            System.out.printf("  (flush %s: %,d delivered in %,d requests, %,d kept)%n", mode, report.delivered(),
                    requests.get(), report.kept());
            return rate;
        } finally {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    static double http(Path dir, HttpMode mode, int events) throws Exception {
        AtomicLong requests = new AtomicLong();
        HttpServer server = receiver(0, requests);
        try {
            HttpSinkSettings settings = settings(dir, server.getAddress().getPort(), mode);
            long start = System.nanoTime();
            try (EventTrail trail = trail(new HttpSink(settings, System.err::println))) {
                for (int i = 0; i < events; i++) {
                    trail.emit(EventTypes.NETWORK_POLICY, data(i));
                }
                trail.sync();
            }
            double rate = events / ((System.nanoTime() - start) / 1e9);
            System.out.printf("  (%s: %,d events in %,d requests)%n", mode, events, requests.get());
            return rate;
        } finally {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
