package dev.cellrunner.runner.cell;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Streams one of the child's outputs to the runner's own, counting bytes. If the runner's output
 * breaks (closed pipe), it keeps draining so the child never blocks on a full pipe.
 */
final class OutputPump {
    private final InputStream from;
    private final OutputStream to;
    private final CompletableFuture<Void> ended;
    private volatile long bytes;

    OutputPump(InputStream from, OutputStream to) {
        this.from = from;
        this.to = to;
        this.ended = CompletableFuture.runAsync(this::pump, RunnerThreads.POOL);
    }

    private void pump() {
        byte[] buffer = new byte[64 * 1024];
        boolean forwarding = true;
        try (from) {
            for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                bytes += n;
                if (forwarding) {
                    try {
                        to.write(buffer, 0, n);
                        to.flush();
                    } catch (IOException e) {
                        forwarding = false;
                    }
                }
            }
        } catch (IOException e) {
            // the child's end is gone; what was read is counted
        }
    }

    /**
     * Waits until the child's end is closed (every process holding it has exited), or until
     * {@code deadline} (one that cannot be killed holds it open); what was read by then is counted.
     */
    long awaitEnd(Deadline deadline) throws InterruptedException {
        try {
            ended.get(deadline.remainingNanos(System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // the runner's side failed unexpectedly: the pump stopped there, and what it read is counted
        } catch (TimeoutException e) {
            // still held open: the pump goes on draining in the background
        }
        return bytes;
    }
}
