package dev.cellrunner.events.http;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.SinkException;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Delivers a run's events to an HTTP receiver without holding the run up: each event is first written
 * to the spool, then a sender thread posts it (in order; batch mode takes what has queued up) and deletes
 * the file once the receiver accepted it. When delivery fails for good, or the end of the run has waited
 * {@link HttpSinkSettings#grace()} for it, the sender stops and the rest stays in the spool, fsynced, for
 * {@code cell-runner flush}. No event is dropped: it is delivered, or it is on disk and the user is told.
 */
public final class HttpSink implements EventSink {
    private record Pending(Path file, OutgoingEvent event) {
    }

    private final HttpSinkSettings settings;
    private final Consumer<String> warnings;
    private final RunSpool spool;
    private final HttpDelivery delivery;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private final Thread sender;
    private int inFlight;
    private boolean stopped;
    private String stopReason;

    public HttpSink(HttpSinkSettings settings, Consumer<String> warnings) throws SinkException {
        this.settings = settings;
        this.warnings = warnings;
        this.spool = RunSpool.open(settings);
        this.delivery = new HttpDelivery(settings);
        this.sender = new Thread(this::sendLoop, "events-http-sender");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void append(CloudEvent event, byte[] json) throws SinkException {
        OutgoingEvent outgoing;
        try {
            outgoing = settings.payload() == HttpPayload.OCSF ? OutgoingEvent.ocsf(event, json) : OutgoingEvent.of(event, json);
        } catch (IllegalArgumentException e) {
            throw new SinkException(describe() + ": cannot map event " + event.getId() + " to OCSF: " + e.getMessage(), e);
        }
        Path file = spool.write(event.getId(), outgoing.structured());
        synchronized (this) {
            if (!stopped) {
                queue.addLast(new Pending(file, outgoing));
                notifyAll();
            }
        }
    }

    /**
     * Waits until everything appended is delivered, delivery stopped, or the run's grace time (counted from
     * the first sync) is spent; then fsyncs what is still spooled. Bounded: never longer than the grace time.
     */
    @Override
    public void sync() throws SinkException {
        synchronized (this) {
            String gaveUp = spool.awaitSettled(this, () -> stopped || queue.isEmpty() && inFlight == 0);
            if (gaveUp != null) {
                stop(gaveUp);
            }
        }
        spool.sync();
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() throws SinkException {
        synchronized (this) {
            if (!stopped) {
                stop(null);
            }
        }
        sender.interrupt();
        try {
            sender.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spool.close(stopReason, "cell-runner flush --events URL"
                + (settings.payload() == HttpPayload.OCSF ? " --events-format ocsf" : "")
                + " --spool-dir " + settings.spoolDir(), warnings);
    }

    private void stop(String reason) {
        stopped = true;
        stopReason = reason;
        queue.clear();
        notifyAll();
    }

    private void sendLoop() {
        try {
            while (true) {
                List<Pending> batch = next();
                if (batch == null) {
                    return;
                }
                HttpDelivery.Result result = delivery.deliver(batch.stream().map(Pending::event).toList(), spool::deadline);
                if (result.delivered()) {
                    for (Pending pending : batch) {
                        spool.delete(pending.file());
                    }
                }
                synchronized (this) {
                    inFlight = 0;
                    if (!result.delivered() && !stopped) {
                        stop(result.reason());
                    }
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            synchronized (this) {
                inFlight = 0;
                stop("cannot remove a delivered event from the spool: " + e.getMessage());
            }
        }
    }

    private synchronized List<Pending> next() throws InterruptedException {
        while (!stopped && queue.isEmpty()) {
            wait();
        }
        if (stopped) {
            return null;
        }
        int size = settings.mode() == HttpMode.BATCH ? Math.min(settings.batchSize(), queue.size()) : 1;
        List<Pending> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(queue.removeFirst());
        }
        inFlight = batch.size();
        return batch;
    }
}
