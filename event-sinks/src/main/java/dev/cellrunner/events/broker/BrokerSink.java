package dev.cellrunner.events.broker;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.http.RunSpool;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Delivers a run's events to a message broker without holding the run up. Each event is first written to
 * the spool (the same one HTTP sinks use); a sender thread connects and hands the events to the broker in
 * order, at most {@link Publisher#maxInFlight()} unconfirmed at once, and an event's file is deleted only
 * once the broker confirmed it (a JetStream PubAck, a Kafka acknowledgement from all in-sync replicas).
 * The first event that fails stops the sending, so a run's events never reach the broker out of order;
 * the rest stays in the spool, fsynced, for {@code cell-runner flush}. {@link #sync()} waits for the
 * confirmations at most the grace time, counted from the first sync. No event is dropped.
 */
public final class BrokerSink implements EventSink {
    /** One broker connection's way of sending events; called from one thread at a time. */
    public interface Publisher {
        /** Connects (or joins a shared connection); may block up to its own connect timeout. */
        void open() throws IOException;

        /** Hands one event over; the future completes when the broker confirmed it. */
        CompletableFuture<?> publish(CloudEvent event, byte[] json) throws IOException;

        /**
         * Events sent before the first is confirmed. 1 where a failed event could be overtaken by a later
         * one (JetStream: a stream limit, a reconnect); more where the client keeps order itself (Kafka's
         * idempotent producer).
         */
        int maxInFlight();

        /**
         * The receiver's name in the spool: one per broker and subject or topic, which is what
         * {@link #describe()} names.
         */
        default String spoolKey() {
            return describe();
        }

        /** Safe to print: no credentials. */
        String describe();

        /** Leaves the connection (closes it when no other user is left). */
        void close();
    }

    private static final class Outgoing {
        final CloudEvent event;
        final byte[] json;
        final Path file;
        boolean sent;
        boolean confirmed;

        Outgoing(CloudEvent event, byte[] json, Path file) {
            this.event = event;
            this.json = json;
            this.file = file;
        }
    }

    private final Publisher publisher;
    private final Consumer<String> warnings;
    private final RunSpool spool;
    private final List<Outgoing> outgoing = new ArrayList<>();
    private final Thread sender;
    private int inFlight;
    private String stopReason;
    private boolean closing;

    public BrokerSink(Publisher publisher, Path spoolDir, Duration grace, Consumer<String> warnings) throws SinkException {
        this.publisher = publisher;
        this.warnings = warnings;
        this.spool = RunSpool.open(publisher.describe(), spoolDir, publisher.spoolKey(), grace, "confirmed");
        this.sender = new Thread(this::sendLoop, "events-broker-sender");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void append(CloudEvent event, byte[] json) throws SinkException {
        Path file = spool.write(event.getId(), json);
        synchronized (this) {
            outgoing.add(new Outgoing(event, json, file));
            notifyAll();
        }
    }

    /**
     * Waits until everything appended is confirmed, or sending stopped with nothing in flight, or the grace
     * time ran out; then fsyncs what is still spooled. Bounded: never longer than the grace time.
     */
    @Override
    public void sync() throws SinkException {
        synchronized (this) {
            String gaveUp = spool.awaitSettled(this, this::settled);
            if (gaveUp != null) {
                stop(gaveUp);
            }
        }
        spool.sync();
    }

    /** Whether every event appended so far is confirmed by the broker (not only spooled). */
    public synchronized boolean allConfirmed() {
        return outgoing.stream().allMatch(o -> o.confirmed);
    }

    @Override
    public String describe() {
        return publisher.describe();
    }

    @Override
    public void close() throws SinkException {
        synchronized (this) {
            closing = true;
            if (stopReason == null && !allConfirmed()) {
                stopReason = "closed before the broker confirmed everything";
            }
            notifyAll();
        }
        try {
            sender.join(Duration.ofSeconds(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        String reason;
        synchronized (this) {
            reason = stopReason;
        }
        spool.close(reason, "cell-runner flush --events " + describe() + " --spool-dir " + spool.spoolDir(), warnings);
    }

    private boolean settled() {
        return inFlight == 0 && (stopReason != null || allConfirmed());
    }

    private void stop(String reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
        notifyAll();
    }

    private void sendLoop() {
        try {
            publisher.open();
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                stop("cannot connect: " + message(e));
            }
            return;
        }
        while (true) {
            Outgoing next;
            synchronized (this) {
                next = nextToSend();
                while (stopReason == null && (next == null && !closing || next != null && inFlight >= publisher.maxInFlight())) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                    next = nextToSend();
                }
                if (next == null || stopReason != null) {
                    return;
                }
                next.sent = true;
                inFlight++;
            }
            send(next);
        }
    }

    private Outgoing nextToSend() {
        for (Outgoing o : outgoing) {
            if (!o.sent) {
                return o;
            }
        }
        return null;
    }

    private void send(Outgoing next) {
        CompletableFuture<?> confirmation;
        try {
            confirmation = publisher.publish(next.event, next.json);
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                inFlight--;
                stop("event " + next.event.getId() + " not taken: " + message(e));
            }
            return;
        }
        confirmation.whenComplete((ack, failure) -> {
            if (failure == null) {
                try {
                    spool.delete(next.file);
                } catch (IOException e) {
                    failure = new IOException("delivered, but cannot remove it from the spool: " + e.getMessage(), e);
                }
            }
            synchronized (this) {
                inFlight--;
                if (failure == null) {
                    next.confirmed = true;
                } else {
                    stop("event " + next.event.getId() + " not confirmed: " + message(failure));
                }
                notifyAll();
            }
        });
    }

    static String message(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
