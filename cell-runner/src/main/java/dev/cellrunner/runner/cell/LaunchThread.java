package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.Syscalls;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A fresh platform thread that belongs to one cell. Namespaces, credentials, no_new_privs, landlock
 * and seccomp are per thread in Linux and a child inherits them from the thread that spawns it, so
 * every step that shapes the cell runs here, in order, through {@link #call}. The thread ends when
 * the cell is launched and is never reused: its kernel state is the cell's, not the runner's.
 */
public final class LaunchThread implements AutoCloseable {
    private static final Runnable END = () -> { };

    private final BlockingQueue<Runnable> steps = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> tid = new CompletableFuture<>();
    private final Thread thread;

    private LaunchThread(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
    }

    public static LaunchThread start(String name) {
        LaunchThread launch = new LaunchThread(name);
        launch.thread.start();
        return launch;
    }

    /** The kernel thread ID, for reading /proc/&lt;pid&gt;/task/&lt;tid&gt;/... from outside. */
    public int tid() {
        return tid.join();
    }

    /** Queues {@code step} on the launch thread without waiting for it; steps run in the order given. */
    public <T> CompletableFuture<T> submit(Callable<T> step) {
        CompletableFuture<T> result = new CompletableFuture<>();
        steps.add(() -> {
            try {
                result.complete(step.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Runs {@code step} on the launch thread and returns its result; its exception is rethrown here. */
    public <T> T call(Callable<T> step) throws Exception {
        return await(submit(step));
    }

    /** Waits for a step {@link #submit}ted earlier; its exception is rethrown here. */
    public static <T> T await(CompletableFuture<T> result) throws Exception {
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    private void loop() {
        tid.complete(Syscalls.gettid());
        try {
            for (Runnable step = steps.take(); step != END; step = steps.take()) {
                step.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the thread; its namespace and filters go with it. */
    @Override
    public void close() throws InterruptedException {
        steps.add(END);
        thread.join();
    }
}
