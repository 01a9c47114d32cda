package dev.cellrunner.runner.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runner's threads for name lookups at start, shared by every cell it runs (serve, worker): at most
 * {@code threads} lookups at once and {@code queued} waiting. A lookup in the system resolver
 * (getaddrinfo) cannot be interrupted, so a resolver that hangs keeps its thread until it gives up; the
 * cap keeps such threads from piling up with each new cell. A lookup that has not started by its cell's
 * deadline is dropped unasked, and one that finds the queue full is refused at once; either way its
 * cell is refused naming the name ({@link HostResolver}).
 */
public final class LookupPool {
    public static final String THREADS = "CELL_RUNNER_NAME_LOOKUPS";
    public static final int DEFAULT_THREADS = 64;
    /** How many lookups may wait for a thread, per thread. */
    static final int QUEUED_PER_THREAD = 16;

    private static final LookupPool RUNNER = new LookupPool(runnerThreads());

    private final int threads;
    private final ThreadPoolExecutor executor;
    private final AtomicInteger started = new AtomicInteger();

    public LookupPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a lookup pool needs at least one thread");
        }
        this.threads = threads;
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(threads * QUEUED_PER_THREAD), task -> {
                    Thread thread = new Thread(task, "name-lookup-" + count.incrementAndGet());
                    thread.setDaemon(true); // a lookup still blocked holds up no exit
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
    }

    /** The runner-wide pool, sized by {@value #THREADS} (default {@value #DEFAULT_THREADS}). */
    public static LookupPool runner() {
        return RUNNER;
    }

    /** A bad value is said once on stderr and the default taken: the runner's start is not the place to die. */
    private static int runnerThreads() {
        try {
            return threads(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("cell-runner: " + e.getMessage() + "; " + DEFAULT_THREADS + " name lookups at once");
            return DEFAULT_THREADS;
        }
    }

    static int threads(Map<String, String> env) {
        return NameService.number(env, THREADS, DEFAULT_THREADS, 1);
    }

    public int threads() {
        return threads;
    }

    /** Lookups that got a thread so far (a test's view of how many reached the resolver). */
    int started() {
        return started.get();
    }

    /**
     * Looks {@code name} up on one of the pool's threads. The answer completes exceptionally with
     * {@link Full} when the queue is full; a lookup whose answer was cancelled (its cell's deadline
     * passed) before a thread took it never reaches the resolver.
     */
    Lookup lookUp(NameResolver resolver, String name) {
        CompletableFuture<List<InetAddress>> answer = new CompletableFuture<>();
        AtomicBoolean running = new AtomicBoolean();
        try {
            executor.execute(() -> {
                if (answer.isDone()) {
                    return; // given up while queued
                }
                running.set(true);
                started.incrementAndGet();
                try {
                    answer.complete(List.copyOf(resolver.addresses(name)));
                } catch (IOException | RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(new Full(threads));
        }
        return new Lookup(answer, running);
    }

    /** One name's answer, and whether a thread has taken it up (else it still waits in the queue). */
    record Lookup(CompletableFuture<List<InetAddress>> answer, AtomicBoolean running) {
        boolean waiting() {
            return !running.get();
        }
    }

    /** No room for another lookup: every thread busy and the queue full. */
    static final class Full extends IOException {
        Full(int threads) {
            super("the runner's " + threads + " name lookups are all busy and " + threads * QUEUED_PER_THREAD
                    + " more wait (a resolver that does not answer?)");
        }
    }
}
