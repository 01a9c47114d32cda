package dev.cellrunner.runner.os;

import dev.cellrunner.runner.cell.LaunchThread;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A thread with a fresh network namespace of its own (unshare on that thread only, as a cell's launch
 * thread), for kernel tests: steps run on it through {@link #call}, and {@link #outside} runs a command
 * in that namespace from the test's own thread through nsenter, to check what the kernel holds
 * independently of the code under test. The namespace goes away with the thread.
 */
public final class ScratchNetns implements AutoCloseable {
    private final LaunchThread thread;

    private ScratchNetns(LaunchThread thread) {
        this.thread = thread;
    }

    /** Skips (printing why) where this machine cannot make network namespaces. */
    public static ScratchNetns create(String name) throws Exception {
        LaunchThread thread = LaunchThread.start(name);
        try {
            thread.call(() -> {
                NetworkNamespace.enterNew();
                NetworkNamespace.bringLoopbackUp();
                return null;
            });
        } catch (OsError e) {
            thread.close();
            System.out.println("SKIP: cannot make a network namespace here: " + e.getMessage());
            Assumptions.abort("SKIP: cannot make a network namespace here: " + e.getMessage());
        }
        return new ScratchNetns(thread);
    }

    public <T> T call(Callable<T> step) throws Exception {
        return thread.call(step);
    }

    /** /proc/&lt;pid&gt;/task/&lt;tid&gt;/ns/net of the namespace's thread. */
    public String path() {
        return "/proc/" + ProcessHandle.current().pid() + "/task/" + thread.tid() + "/ns/net";
    }

    /** Runs {@code command} inside the namespace through nsenter; fails the test when it exits non-zero. */
    public String outside(String... command) throws IOException {
        Result result = run(command);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + result.stderr());
        }
        return result.stdout();
    }

    public Result run(String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + path(), "--"));
        argv.addAll(List.of(command));
        return Result.of(new ProcessBuilder(argv).start());
    }

    @Override
    public void close() throws InterruptedException {
        thread.close();
    }

    /** How a command ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        public static Result of(Process process) throws IOException {
            process.getOutputStream().close();
            try {
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("did not finish in 60 s");
                }
                return new Result(process.exitValue(), out, err);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }
}
