package dev.cellrunner.events.testing;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server process a test starts, under a small shell watchdog that kills it when the test JVM is gone
 * (even after SIGKILL, when no shutdown hook runs) or when the watchdog is stopped. Nothing a test
 * starts outlives it.
 */
public final class Watched implements AutoCloseable {
    private final Process watchdog;

    private Watched(Process watchdog) {
        this.watchdog = watchdog;
    }

    /** Starts {@code command} with its output appended to {@code log}. */
    public static Watched start(List<String> command, File workDir, File log) throws IOException {
        String script = "\"$@\" & child=$!\n"
                + "trap 'kill -TERM $child 2>/dev/null; sleep 2; kill -KILL $child 2>/dev/null; exit 0' TERM INT\n"
                + "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null && kill -0 $child 2>/dev/null; do\n"
                + "  sleep 1 & wait $!\n"
                + "done\n"
                + "kill -TERM $child 2>/dev/null; sleep 2; kill -KILL $child 2>/dev/null; exit 0\n";
        List<String> full = new ArrayList<>(List.of("bash", "-c", script, "watchdog"));
        full.addAll(command);
        Process process = new ProcessBuilder(full).directory(workDir)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        Watched watched = new Watched(process);
        Runtime.getRuntime().addShutdownHook(new Thread(watched::close, "stop-" + command.get(0)));
        return watched;
    }

    public boolean alive() {
        return watchdog.isAlive();
    }

    /** The server's pid (the watchdog's only child). */
    public long serverPid() {
        return watchdog.children().findFirst().map(ProcessHandle::pid).orElse(-1L);
    }

    @Override
    public void close() {
        if (!watchdog.isAlive()) {
            return;
        }
        watchdog.destroy();
        try {
            if (!watchdog.waitFor(10, TimeUnit.SECONDS)) {
                watchdog.descendants().forEach(ProcessHandle::destroyForcibly);
                watchdog.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
