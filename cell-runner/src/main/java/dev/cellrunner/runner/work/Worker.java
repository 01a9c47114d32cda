package dev.cellrunner.runner.work;

import dev.cellrunner.runner.cell.ExitCodes;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A resident runner fed from a work queue: takes a document whenever one of its {@code parallel} slots is
 * free, runs it as {@code run} would, and tells the queue what became of it. A document is acknowledged
 * only once its run's {@code destroyed} event is confirmed by every sink (or spooled): the cell's launch
 * returns only then. Decisions, from the runner's exit status:
 * <ul>
 *   <li>invalid (65) or refused (69): to the dead letters with the reason, then never redelivered;</li>
 *   <li>no sink could take the events (74) or an internal error (70): handed back for a later try;</li>
 *   <li>anything else is the command's own status: the document is done, acknowledged.</li>
 * </ul>
 * A redelivered document (its worker died, or its ack was lost) is first looked up in the event trail:
 * if a run of it reached {@code destroyed}, it is not run again. While a cell runs longer than the ack
 * wait, the queue is told it is in progress. {@link #stop()} stops taking work; what is in hand finishes.
 */
public final class Worker {
    /** What runs one document: the launcher every runner uses. */
    public interface Cells {
        Result run(WorkItem item, byte[] document);

        /** The runner's exit status for the document, and the messages it printed (the reason, when it did not run). */
        record Result(int status, String messages) {
        }
    }

    /**
     * Poll: how long one wait for a document lasts (stop is noticed between waits); retry: how long a
     * handed-back document waits; idleExit: stop by itself once nothing came for that long and nothing is
     * in hand (a batch Job's worker), or null to run until told to stop.
     */
    public record Settings(int parallel, Duration poll, Duration retryDelay, Duration idleExit) {
    }

    /** Larger than any document {@code run} accepts. */
    static final int MAX_DOCUMENT_BYTES = 1 << 20;

    private final NatsWorkQueue queue;
    private final Cells cells;
    private final RunRecords records;
    private final DeadLetters deadLetters;
    private final Settings settings;
    private final Consumer<String> log;
    private final Semaphore slots;
    private final AtomicInteger inHand = new AtomicInteger();
    private final ExecutorService pool;
    private final ScheduledExecutorService keepAlive;
    private volatile boolean stopping;

    public Worker(NatsWorkQueue queue, Cells cells, RunRecords records, DeadLetters deadLetters, Settings settings,
                  Consumer<String> log) {
        this.queue = queue;
        this.cells = cells;
        this.records = records;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.log = log;
        this.slots = new Semaphore(settings.parallel());
        this.pool = Executors.newFixedThreadPool(settings.parallel(), daemon("worker-cell"));
        this.keepAlive = Executors.newSingleThreadScheduledExecutor(daemon("worker-in-progress"));
    }

    /** Takes and runs documents until {@link #stop()}; returns once every document in hand is finished. */
    public void run() throws InterruptedException {
        long lastWork = System.nanoTime();
        while (!stopping) {
            if (settings.idleExit() != null && inHand.get() == 0
                    && System.nanoTime() - lastWork > settings.idleExit().toNanos()) {
                log.accept("no work for " + settings.idleExit().toMillis() + " ms: stopping");
                break;
            }
            slots.acquire();
            Optional<Delivery> next = Optional.empty();
            try {
                if (!stopping) {
                    next = queue.next(settings.poll());
                }
            } catch (IOException e) {
                log.accept("cannot take work: " + e.getMessage() + "; trying again");
                Thread.sleep(1000);
            }
            if (next.isEmpty()) {
                slots.release();
                continue;
            }
            Delivery delivery = next.get();
            lastWork = System.nanoTime();
            if (stopping) {
                handBack(delivery, Duration.ZERO, "the worker is stopping");
                slots.release();
                break;
            }
            inHand.incrementAndGet();
            pool.execute(() -> {
                try {
                    handle(delivery);
                } finally {
                    inHand.decrementAndGet();
                    slots.release();
                }
            });
            lastWork = System.nanoTime();
        }
        pool.shutdown();
        while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
            log.accept("still finishing " + inHand.get() + " document(s)");
        }
        keepAlive.shutdownNow();
    }

    /** Stops taking work; what is in hand finishes, is reported and acknowledged. */
    public void stop() {
        stopping = true;
    }

    public int inHand() {
        return inHand.get();
    }

    private void handle(Delivery delivery) {
        WorkItem item = delivery.item();
        long every = Math.max(1000, queue.ackWait().toMillis() / 3);
        ScheduledFuture<?> inProgress = keepAlive.scheduleAtFixedRate(() -> {
            try {
                delivery.inProgress();
            } catch (IOException | RuntimeException e) {
                log.accept(item.describe() + ": cannot say it is in progress: " + e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        try {
            if (item.delivery() > 1 && alreadyEnded(delivery)) {
                return;
            }
            if (delivery.document().length > MAX_DOCUMENT_BYTES) {
                deadLetter(delivery, ExitCodes.INVALID_SPEC, "the document is " + delivery.document().length
                        + " bytes; documents over " + MAX_DOCUMENT_BYTES + " bytes (1 MiB) are refused");
                return;
            }
            Cells.Result result = cells.run(item, delivery.document());
            inProgress.cancel(false);
            finish(delivery, result);
        } catch (IOException | RuntimeException e) {
            log.accept(item.describe() + ": " + e.getMessage());
        } finally {
            inProgress.cancel(false);
        }
    }

    /** A redelivered item whose run already reached destroyed: acknowledged (or dead-lettered, if it was refused). */
    private boolean alreadyEnded(Delivery delivery) throws IOException {
        WorkItem item = delivery.item();
        Optional<RunRecords.Ended> ended;
        try {
            ended = records.destroyedRun(item);
        } catch (IOException e) {
            handBack(delivery, settings.retryDelay(), "cannot tell whether it already ran (" + records.describe()
                    + ": " + e.getMessage() + ")");
            return true;
        }
        if (ended.isEmpty()) {
            log.accept(item.describe() + ": delivery " + item.delivery() + "; no run of it reached destroyed in "
                    + records.describe() + ": running it");
            return false;
        }
        RunRecords.Ended run = ended.get();
        if ("refused".equals(run.outcome())) {
            deadLetter(delivery, ExitCodes.REFUSED, "refused: " + run.reason() + " (run " + run.runId() + ")");
        } else {
            delivery.ack();
            log.accept(item.describe() + ": already ran (run " + run.runId() + " reached destroyed, " + run.outcome()
                    + "); acknowledged without running again");
        }
        return true;
    }

    private void finish(Delivery delivery, Cells.Result result) throws IOException {
        WorkItem item = delivery.item();
        switch (result.status()) {
            case ExitCodes.INVALID_SPEC -> deadLetter(delivery, result.status(), result.messages());
            case ExitCodes.REFUSED -> deadLetter(delivery, result.status(), result.messages());
            case ExitCodes.SINK_FAILED, ExitCodes.SOFTWARE, ExitCodes.USAGE ->
                    handBack(delivery, settings.retryDelay(), "exit " + result.status() + ": " + result.messages());
            default -> {
                try {
                    delivery.ack();
                } catch (IOException e) {
                    // the run ended all the same: its status is said, whatever became of the ack
                    log.accept(item.describe() + ": exit " + result.status() + "; " + e.getMessage() + ": if the "
                            + "server did not take it, the document comes back after the ack wait and is acknowledged "
                            + "then without running again");
                    return;
                }
                log.accept(item.describe() + ": exit " + result.status());
            }
        }
    }

    private void deadLetter(Delivery delivery, int status, String reason) throws IOException {
        WorkItem item = delivery.item();
        try {
            deadLetters.publish(delivery, status, reason);
        } catch (IOException e) {
            handBack(delivery, settings.retryDelay(), e.getMessage());
            return;
        }
        delivery.terminate();
        log.accept(item.describe() + ": exit " + status + "; to the dead letters (" + deadLetters.subject() + "): "
                + DeadLetters.oneLine(reason));
    }

    private void handBack(Delivery delivery, Duration delay, String why) {
        try {
            delivery.retryAfter(delay);
            log.accept(delivery.item().describe() + ": handed back to the queue"
                    + (delay.isZero() ? "" : " for a try in " + delay.toSeconds() + " s") + ": " + DeadLetters.oneLine(why));
        } catch (IOException | RuntimeException e) {
            log.accept(delivery.item().describe() + ": cannot hand it back (" + e.getMessage()
                    + "); it is redelivered after the ack wait");
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
