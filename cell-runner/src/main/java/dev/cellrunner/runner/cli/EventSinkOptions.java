package dev.cellrunner.runner.cli;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.http.HttpSink;
import dev.cellrunner.events.ocsf.OcsfJsonlSink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a run's events go ({@code jsonl:PATH}, {@code ocsf-jsonl:PATH} for OCSF records, {@code http(s)://URL},
 * {@code nats://HOST:PORT/SUBJECT} for NATS JetStream, {@code kafka://HOST:PORT/TOPIC}):
 * every {@code --events} target plus {@code CELL_OS_JSONL_EVENTS}; without
 * either, the default trail under the user's state directory. {@code none} or
 * {@code CELL_OS_USE_NOOP_SINK=1} (with no {@code --events}) turns events off explicitly.
 */
final class EventSinkOptions {
    static final String JSONL = "jsonl:";
    static final String OCSF_JSONL = OcsfJsonlSink.SCHEME + ":";
    private EventSinkOptions() {
    }

    /** The sink targets in order; an empty list means events are off. */
    static List<String> targets(List<String> cliTargets, HttpEventOptions http, Map<String, String> env,
                                Consumer<String> log) throws IllegalArgumentException {
        Set<String> targets = new LinkedHashSet<>(cliTargets);
        if (targets.contains("none")) {
            if (targets.size() > 1) {
                throw new IllegalArgumentException("--events none cannot be combined with other sinks");
            }
            return List.of();
        }
        String envJsonl = env.get("CELL_OS_JSONL_EVENTS");
        if (envJsonl != null && !envJsonl.isBlank()) {
            targets.add("jsonl:" + envJsonl);
        }
        if (targets.isEmpty()) {
            if ("1".equals(env.get("CELL_OS_USE_NOOP_SINK"))) {
                return List.of();
            }
            String target = "jsonl:" + defaultTrail(env);
            log.accept("events go to " + target.substring("jsonl:".length())
                    + " (choose with --events, or --events none)");
            targets.add(target);
        }
        for (String target : targets) {
            if (BrokerTargets.isBroker(target)) {
                BrokerTargets.check(target, http);
            } else if (!HttpEventOptions.isHttp(target) && filePath(target) == null) {
                throw new IllegalArgumentException("unknown event sink '" + target + "': expected jsonl:PATH, "
                        + "ocsf-jsonl:PATH, http(s)://URL, nats://HOST:PORT/SUBJECT, kafka://HOST:PORT/TOPIC or none");
            }
        }
        return List.copyOf(targets);
    }

    /**
     * Refuses, before anything is opened for writing, a JSONL target that is no regular file (a FIFO, a
     * device, a directory) or lies on a kernel pseudo file system (procfs, sysfs, ...).
     */
    static void checkPaths(List<String> targets) throws IllegalArgumentException {
        for (String target : targets) {
            Path file = filePath(target);
            if (file != null) {
                try {
                    JsonlSink.checkPath(file, target.substring(0, target.indexOf(':')));
                } catch (SinkException e) {
                    throw new IllegalArgumentException("--events " + e.getMessage());
                }
            }
        }
    }

    /** Opens every target; one that cannot be opened is reported and skipped (the trail decides if that is fatal). */
    static List<EventSink> open(List<String> targets, HttpEventOptions http, BrokerOptions brokers,
                                Map<String, String> env, Consumer<String> log, List<String> failures) {
        List<EventSink> sinks = new ArrayList<>();
        for (String target : targets) {
            try {
                sinks.add(HttpEventOptions.isHttp(target) ? new HttpSink(http.settings(target, env), log)
                        : BrokerTargets.isBroker(target) ? BrokerTargets.open(target, http, brokers, env, log)
                        : target.startsWith(OCSF_JSONL) ? new OcsfJsonlSink(filePath(target))
                        : new JsonlSink(filePath(target)));
            } catch (IOException | IllegalArgumentException e) {
                log.accept("event sink failed: " + e.getMessage());
                failures.add(e.getMessage());
            }
        }
        return sinks;
    }

    /**
     * What a cell must neither read nor write: the JSONL trails and their run chain files, the spool, the
     * signing key, the broker credentials and client configuration.
     */
    static List<Path> runnerFiles(List<String> targets, HttpEventOptions http, BrokerOptions brokers,
                                  Map<String, String> env, Path signingKey) {
        List<Path> files = new ArrayList<>();
        for (String target : targets) {
            if (filePath(target) != null) {
                files.add(filePath(target));
                if (target.startsWith(JSONL)) {
                    files.add(JsonlSink.runChainFile(filePath(target)));
                }
            } else {
                files.add(http.spoolDir(env));
                if (BrokerTargets.isBroker(target)) {
                    files.addAll(BrokerTargets.secretFiles(target, brokers));
                }
            }
        }
        if (signingKey != null) {
            files.add(signingKey);
        }
        return files;
    }

    /** The file of a {@code jsonl:PATH} or {@code ocsf-jsonl:PATH} target; null for any other target. */
    static Path filePath(String target) {
        for (String prefix : new String[] {JSONL, OCSF_JSONL}) {
            if (target.startsWith(prefix) && target.length() > prefix.length()) {
                return Path.of(target.substring(prefix.length()));
            }
        }
        return null;
    }

    static Path defaultTrail(Map<String, String> env) {
        return stateDir(env).resolve("events.jsonl");
    }

    static Path stateDir(Map<String, String> env) {
        String state = env.get("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(env.getOrDefault("HOME", "/root"), ".local", "state");
        return base.resolve("cell-runner");
    }
}
