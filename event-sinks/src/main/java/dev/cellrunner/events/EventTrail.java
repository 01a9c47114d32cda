package dev.cellrunner.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The ordered events of one run, each signed and chained by the run's signer, fanned out to every sink.
 * A sink that fails is reported through {@code warnings} and dropped from the run; when no sink is left,
 * emitting throws. An event whose JSON exceeds {@link EventJson#MAX_EVENT_BYTES} is refused.
 */
public final class EventTrail implements AutoCloseable {
    private final CellEventFactory factory;
    private final EventSigner signer;
    private final List<EventSink> healthy;
    private final Consumer<String> warnings;
    private final List<String> failures = new ArrayList<>();
    private final boolean wantsEvents;
    private final RunLines lines = new RunLines();
    /** The events handed to other threads ({@link #emitBeside}), in order; done when none is pending. */
    private CompletableFuture<Void> beside = CompletableFuture.completedFuture(null);

    public EventTrail(CellEventFactory factory, EventSigner signer, List<EventSink> sinks, Consumer<String> warnings) {
        this.factory = factory;
        this.signer = signer;
        this.healthy = new ArrayList<>(sinks);
        this.warnings = warnings;
        this.wantsEvents = !sinks.isEmpty();
    }

    public RunIdentity run() {
        return factory.run();
    }

    public SigningKey signingKey() {
        return signer.key();
    }

    /**
     * Builds and appends one event, after any handed to another thread ({@link #emitBeside}); throws when
     * events were asked for and no sink can take them.
     */
    public CloudEvent emit(String type, ObjectNode fields) throws SinkException {
        awaitBeside();
        return emitNow(type, fields);
    }

    /**
     * Emits on {@code executor} while the caller goes on with the run: the event keeps its place in the
     * trail (every later emit, {@link #sync} and {@link #close} waits for it first), and what it met (no
     * sink left) is thrown by the next of them or by {@link #awaitBeside}. For events whose content is
     * final and whose writing need not hold the run up (the run's start, its network policy).
     */
    public synchronized void emitBeside(String type, ObjectNode fields, Executor executor) {
        beside = beside.thenRunAsync(() -> {
            try {
                emitNow(type, fields);
            } catch (SinkException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    /** Waits for the events handed to other threads; throws what the first that failed met. */
    public void awaitBeside() throws SinkException {
        CompletableFuture<Void> pending;
        synchronized (this) {
            pending = beside;
        }
        try {
            pending.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SinkException failed) {
                throw failed;
            }
            if (e.getCause() instanceof RuntimeException failed) {
                throw failed;
            }
            throw e;
        }
    }

    private synchronized CloudEvent emitNow(String type, ObjectNode fields) throws SinkException {
        CloudEvent built = factory.build(type, fields);
        JsonlSink chain = linksRuns(type) ? chainSink() : null;
        JsonlSink.Linked[] made = {null};
        if (chain != null) {
            try {
                chain.appendLinked(previous -> made[0] = sealed(signer.sign(built, previous)));
            } catch (SinkException e) {
                fail(chain, e);
            } catch (RuntimeException e) {
                if (made[0] == null && e.getCause() instanceof SinkException refused) {
                    throw refused;
                }
                throw e;
            }
        }
        if (made[0] == null) {
            try {
                made[0] = sealed(signer.sign(built));
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof SinkException refused) {
                    throw refused;
                }
                throw e;
            }
        }
        CloudEvent event = made[0].event();
        byte[] json = made[0].json();
        lines.add(json);
        for (EventSink sink : List.copyOf(healthy)) {
            if (sink == chain) {
                continue;
            }
            try {
                sink.append(event, json);
            } catch (SinkException e) {
                fail(sink, e);
            }
        }
        requireASink();
        return event;
    }

    /** The digest of this run's events as JSONL lines so far: what its lines in a trail file hash to. */
    public synchronized RunLines.Digest linesDigest() {
        return lines.digest();
    }

    /** started and destroyed link the run into its trail's run chain (CONTRACT.md §3). */
    private static boolean linksRuns(String type) {
        return EventTypes.STARTED.equals(type) || EventTypes.DESTROYED.equals(type);
    }

    /** The first JSONL trail of signed events: the file whose run chain this run joins. */
    private JsonlSink chainSink() {
        for (EventSink sink : healthy) {
            if (sink instanceof JsonlSink jsonl && jsonl.linksRuns()) {
                return jsonl;
            }
        }
        return null;
    }

    private static JsonlSink.Linked sealed(CloudEvent event) {
        byte[] json = EventJson.serialize(event);
        if (json.length > EventJson.MAX_EVENT_BYTES) {
            throw new IllegalStateException(new SinkException("event " + event.getType() + " is " + json.length
                    + " bytes of JSON; events over " + EventJson.MAX_EVENT_BYTES + " bytes (1 MiB) are refused"));
        }
        return new JsonlSink.Linked(event, json);
    }

    /** Makes all events durable; called before the run reports its end. */
    public void sync() throws SinkException {
        awaitBeside();
        syncNow();
    }

    private synchronized void syncNow() throws SinkException {
        for (EventSink sink : List.copyOf(healthy)) {
            try {
                sink.sync();
            } catch (SinkException e) {
                fail(sink, e);
            }
        }
        requireASink();
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() {
        try {
            awaitBeside();
        } catch (SinkException | RuntimeException e) {
            // reported where the run met it; the sinks are closed all the same
        }
        closeNow();
    }

    private synchronized void closeNow() {
        for (EventSink sink : healthy) {
            try {
                sink.close();
            } catch (SinkException e) {
                fail(sink, e);
            }
        }
        healthy.clear();
    }

    private void fail(EventSink sink, SinkException e) {
        healthy.remove(sink);
        failures.add(e.getMessage());
        warnings.accept("event sink failed: " + e.getMessage());
        try {
            sink.close();
        } catch (SinkException ignored) {
            // already reported the failure that matters
        }
    }

    private void requireASink() throws SinkException {
        if (wantsEvents && healthy.isEmpty()) {
            throw new SinkException("no event sink can take events: " + String.join("; ", failures));
        }
    }
}
