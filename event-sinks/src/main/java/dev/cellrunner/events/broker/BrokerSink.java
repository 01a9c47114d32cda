package dev.cellrunner.events.broker;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.SinkException;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Delivers a run's events to a message broker without holding the run up: a sender thread connects and
 * hands the events to the broker in order, and an event counts as delivered only once the broker
 * confirmed it (a JetStream PubAck, a Kafka acknowledgement from all in-sync replicas). The first event
 * that fails stops the sending, so a run's events never reach the broker out of order; {@link #sync()}
 * waits for the confirmations at most the grace time, counted from the first sync.
 */
public final class BrokerSink implements EventSink {
    /** One broker connection's way of sending events; called from the sink's sender thread only. */
    public interface Publisher {
        /** Connects (or joins a shared connection); may block up to its own connect timeout. */
        void open() throws IOException;

        /** Hands one event over; the future completes when the broker confirmed it. */
        CompletableFuture<?> publish(CloudEvent event, byte[] json) throws IOException;

        /** Safe to print: no credentials. */
        String describe();

        /** Leaves the connection (closes it when no other sink uses it). */
        void close();
    }

    private static final class Outgoing {
        final CloudEvent event;
        final byte[] json;
        boolean sent;
        boolean confirmed;

        Outgoing(CloudEvent event, byte[] json) {
            this.event = event;
            this.json = json;
        }
    }

    private final Publisher publisher;
    private final Duration grace;
    private final Consumer<String> warnings;
    private final List<Outgoing> outgoing = new ArrayList<>();
    private final Thread sender;
    private int inFlight;
    private String stopReason;
    private boolean closing;
    private Instant deadline = Instant.MAX;

    public BrokerSink(Publisher publisher, Duration grace, Consumer<String> warnings) {
        this.publisher = publisher;
        this.grace = grace;
        this.warnings = warnings;
        this.sender = new Thread(this::sendLoop, "events-broker-sender");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public synchronized void append(CloudEvent event, byte[] json) {
        outgoing.add(new Outgoing(event, json));
        notifyAll();
    }

    /**
     * Waits until everything appended is confirmed, sending stopped and nothing is in flight, or the grace
     * time ran out; fails when an event is not confirmed by then.
     */
    @Override
    public void sync() throws SinkException {
        synchronized (this) {
            if (deadline.equals(Instant.MAX)) {
                deadline = Instant.now().plus(grace);
            }
            try {
                while (!settled()) {
                    long left = Duration.between(Instant.now(), deadline).toMillis();
                    if (left <= 0) {
                        stop("the run's delivery grace time of " + grace.toMillis() + " ms ran out");
                        break;
                    }
                    wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop("interrupted");
            }
            long unconfirmed = unconfirmed();
            if (unconfirmed > 0) {
                throw new SinkException(describe() + ": " + unconfirmed + " event(s) not confirmed by the broker"
                        + (stopReason == null ? "" : " (" + stopReason + ")"));
            }
        }
    }

    @Override
    public String describe() {
        return publisher.describe();
    }

    @Override
    public void close() {
        synchronized (this) {
            closing = true;
            if (stopReason == null) {
                stopReason = "closed";
            }
            notifyAll();
        }
        try {
            sender.join(Duration.ofSeconds(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        long unconfirmed;
        synchronized (this) {
            unconfirmed = unconfirmed();
        }
        if (unconfirmed > 0) {
            warnings.accept(describe() + ": " + unconfirmed + " event(s) not confirmed by the broker");
        }
    }

    private boolean settled() {
        return inFlight == 0 && (stopReason != null || outgoing.stream().allMatch(o -> o.confirmed));
    }

    private long unconfirmed() {
        return outgoing.stream().filter(o -> !o.confirmed).count();
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
                while (next == null && stopReason == null && !closing) {
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
