package dev.cellrunner.events.http;

import dev.cellrunner.events.SinkException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a sink that delivers in the background ({@link HttpSink}, {@code BrokerSink}) keeps of one run,
 * the same whatever it delivers to: the run's {@link Spool}, written before an event is sent, fsynced when
 * the run syncs and when it ends, with what is left then told along with the command that resends it;
 * and the run's grace time, counted from its first sync, that bounds every wait for delivery. Failures
 * are {@link SinkException}s that name the sink.
 */
public final class RunSpool {
    private final String sink;
    private final String done;
    private final Path spoolDir;
    private final Spool spool;
    private final Duration grace;
    private volatile Instant deadline = Instant.MAX;

    private RunSpool(String sink, String done, Path spoolDir, Spool spool, Duration grace) {
        this.sink = sink;
        this.done = done;
        this.spoolDir = spoolDir;
        this.spool = spool;
        this.grace = grace;
    }

    /** The spool of an HTTP receiver (CloudEvents and OCSF records of one URL apart). */
    static RunSpool open(HttpSinkSettings settings) throws SinkException {
        return open(settings.describe(), settings.spoolDir(), settings.grace(), "delivered", () -> Spool.open(settings));
    }

    /**
     * The spool of the receiver named {@code receiver} (a broker and subject or topic), for the sink that
     * {@code sink} names (no credentials). {@code done} is what happens to an event that may leave the
     * spool ("confirmed").
     */
    public static RunSpool open(String sink, Path spoolDir, String receiver, Duration grace, String done)
            throws SinkException {
        return open(sink, spoolDir, grace, done, () -> Spool.open(spoolDir, receiver, sink));
    }

    private interface Opener {
        Spool open() throws IOException;
    }

    private static RunSpool open(String sink, Path spoolDir, Duration grace, String done, Opener opener)
            throws SinkException {
        try {
            return new RunSpool(sink, done, spoolDir, opener.open(), grace);
        } catch (IOException e) {
            throw new SinkException(sink + ": cannot use the spool directory " + spoolDir + " (un" + done
                    + " events must be kept there): " + e.getMessage(), e);
        }
    }

    /** The directory given for the spool, as {@code flush --spool-dir} takes it. */
    public Path spoolDir() {
        return spoolDir;
    }

    /** Writes one event before it is sent (fsynced by {@link #sync}). */
    public Path write(String eventId, byte[] bytes) throws SinkException {
        try {
            return spool.write(bytes);
        } catch (IOException e) {
            throw new SinkException(sink + ": cannot spool event " + eventId + " before sending it: "
                    + e.getMessage(), e);
        }
    }

    /** Removes an event the receiver took. */
    public void delete(Path file) throws IOException {
        spool.delete(file);
    }

    /** When the grace time runs out: {@link Instant#MAX} until the first sync. */
    public Instant deadline() {
        return deadline;
    }

    /**
     * Waits on {@code monitor}, whose lock the caller holds and which is notified as delivery moves on,
     * until {@code settled}, but no longer than the grace time (counted from the first call). Returns why
     * it gave up (the grace time ran out, an interrupt), or null once settled.
     */
    public String awaitSettled(Object monitor, BooleanSupplier settled) {
        if (deadline.equals(Instant.MAX)) {
            deadline = Instant.now().plus(grace);
        }
        try {
            while (!settled.getAsBoolean()) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    return "the run's delivery grace time of " + grace.toMillis() + " ms ran out";
                }
                monitor.wait(left);
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Makes what is still spooled durable. */
    public void sync() throws SinkException {
        try {
            spool.sync();
        } catch (IOException e) {
            throw new SinkException(sink + ": cannot fsync the spool " + spool.dir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes what is left durable and releases the run's directory; tells {@code warnings} how many events
     * are left, why ({@code reason}, or null), where, and how to resend them ({@code resend}, a command).
     */
    public void close(String reason, String resend, Consumer<String> warnings) throws SinkException {
        try {
            spool.sync();
            int left = spool.pending();
            if (left > 0) {
                warnings.accept(sink + ": " + left + " event(s) not " + done + (reason == null ? "" : " (" + reason + ")")
                        + "; kept in " + spool.dir() + "; resend them with: " + resend);
            }
            spool.close();
        } catch (IOException e) {
            throw new SinkException(sink + ": cannot close the spool " + spool.dir() + ": " + e.getMessage(), e);
        }
    }
}
