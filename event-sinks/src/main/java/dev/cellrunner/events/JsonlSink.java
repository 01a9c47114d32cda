package dev.cellrunner.events;

import dev.cellrunner.linux.Linux;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one event per line. Each line reaches the kernel in a single write(2) on an O_APPEND
 * descriptor (FileChannel copies a heap buffer into one temporary direct buffer and writes it whole),
 * so runners appending to the same file never interleave inside a line. {@link #sync()} is fsync.
 */
public final class JsonlSink implements EventSink {
    private static final byte[] NEWLINE = {'\n'};

    private final Path path;
    private final String scheme;
    private final FileChannel channel;
    /** A trail of signed events only (not OCSF lines): the lock that orders appends, and the run chain. */
    private final TrailLock lock;
    private final RunLink link;

    /** A signed event with its JSON, made under the trail's lock by {@link #appendLinked}. */
    public record Linked(CloudEvent event, byte[] json) {
    }

    /** A trail of signed events: every append holds the trail's lock, and runs are chained (§3). */
    public JsonlSink(Path path) throws SinkException {
        this(path, "jsonl", true);
    }

    /** Lines that are no signed events; {@code scheme} names the sink in messages ({@code scheme:PATH}). */
    public JsonlSink(Path path, String scheme) throws SinkException {
        this(path, scheme, false);
    }

    private JsonlSink(Path path, String scheme, boolean chained) throws SinkException {
        this.path = path;
        this.scheme = scheme;
        checkPath(path, scheme);
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.channel = openForAppend(path);
            this.lock = chained ? TrailLock.open(path) : null;
            this.link = chained ? RunLink.open(path) : null;
        } catch (IOException e) {
            throw new SinkException(describe() + ": cannot open for append: " + reason(e), e);
        }
    }

    /**
     * Refuses a path that is no place for a trail: anything but a regular file (a FIFO, a device, a
     * directory) and files of kernel pseudo file systems (procfs, sysfs, ...), where "appending" would
     * set a kernel switch. Nothing is opened for writing. A path that does not exist yet is fine: it
     * will be created as a regular file.
     */
    public static void checkPath(Path path) throws SinkException {
        checkPath(path, "jsonl");
    }

    /** {@link #checkPath(Path)}, the sink named {@code scheme:PATH} in messages. */
    public static void checkPath(Path path, String scheme) throws SinkException {
        CheckedFiles.Status status;
        try {
            status = CheckedFiles.inspect(path);
        } catch (IOException e) {
            throw new SinkException(scheme + ":" + path + ": cannot open for append: " + reason(e), e);
        }
        String refusal = refusal(status);
        if (refusal != null) {
            throw new SinkException(scheme + ":" + path + " " + refusal);
        }
    }

    private static String refusal(CheckedFiles.Status status) {
        if (status == null) {
            return null;
        }
        if (!status.regular()) {
            return "is " + status.kind() + "; a JSONL trail must be a regular file";
        }
        if (status.pseudoFileSystem() != null) {
            return "is on " + status.pseudoFileSystem() + " (a kernel interface); a JSONL trail must be a regular file";
        }
        return null;
    }

    /**
     * Opens without blocking and checks with fstat before a byte is written; a new trail is created 0600
     * (it names commands and hosts) and its directory entry is made durable.
     */
    private static FileChannel openForAppend(Path path) throws IOException {
        for (int attempt = 0; ; attempt++) {
            CheckedFiles.Opened opened;
            boolean created = false;
            try {
                opened = CheckedFiles.open(path, Linux.O_WRONLY | Linux.O_APPEND, 0);
            } catch (java.nio.file.NoSuchFileException absent) {
                try {
                    opened = CheckedFiles.open(path, Linux.O_WRONLY | Linux.O_APPEND
                            | Linux.O_CREAT | Linux.O_EXCL, 0600);
                    created = true;
                } catch (FileAlreadyExistsException raced) {
                    if (attempt < 3) {
                        continue; // another runner made it first: append to theirs
                    }
                    throw raced;
                }
            }
            try (CheckedFiles.Opened checked = opened) {
                String refusal = refusal(checked.status());
                if (refusal != null) {
                    throw new IOException(refusal);
                }
                FileChannel channel = checked.channel(StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                if (created) {
                    syncDirectory(path.toAbsolutePath().getParent());
                }
                return channel;
            }
        }
    }

    @Override
    public void append(CloudEvent event, byte[] json) throws SinkException {
        if (lock == null) {
            write(event, json);
            return;
        }
        locked(() -> {
            write(event, json);
            link.appended(event);
            return null;
        });
    }

    /** Beside a trail, the digest of its last event, for a file that starts anew: as private as the trail. */
    public static Path runChainFile(Path trail) {
        return RunLink.sidecar(trail);
    }

    /** Whether this sink keeps the run chain of its file ({@link #appendLinked} names the previous event). */
    public boolean linksRuns() {
        return lock != null;
    }

    /**
     * Under the trail's lock: hands {@code make} the digest of the file's last event (CONTRACT.md §3, run
     * chain), appends the event it makes, and returns it; nothing else is appended in between.
     */
    public Linked appendLinked(java.util.function.Function<String, Linked> make) throws SinkException {
        if (lock == null) {
            throw new IllegalStateException(describe() + " keeps no run chain");
        }
        return locked(() -> {
            Linked made = make.apply(link.previous());
            write(made.event(), made.json());
            link.appended(made.event());
            return made;
        });
    }

    private interface LockedWork<T> {
        T run() throws IOException;
    }

    /** An interrupt pending on the caller would close the channels read under the lock: set aside meanwhile. */
    private <T> T locked(LockedWork<T> work) throws SinkException {
        boolean interrupted = Thread.interrupted();
        try {
            return lockedUninterrupted(work);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T> T lockedUninterrupted(LockedWork<T> work) throws SinkException {
        try {
            lock.lock();
        } catch (IOException e) {
            throw new SinkException(describe() + ": cannot take the trail's lock: " + reason(e), e);
        }
        try {
            return work.run();
        } catch (SinkException e) {
            throw e;
        } catch (IOException e) {
            throw new SinkException(describe() + ": " + reason(e), e);
        } finally {
            try {
                lock.unlock();
            } catch (IOException ignored) {
                // closing the descriptor releases it in any case
            }
        }
    }

    private void write(CloudEvent event, byte[] json) throws SinkException {
        if (json.length > EventJson.MAX_EVENT_BYTES) {
            throw new SinkException(describe() + ": event " + event.getId() + " is " + json.length
                    + " bytes; lines over " + EventJson.MAX_EVENT_BYTES + " bytes (1 MiB) are refused");
        }
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        int written;
        try {
            written = uninterrupted(line);
        } catch (IOException e) {
            throw new SinkException(describe() + ": write failed: " + reason(e), e);
        }
        if (line.hasRemaining()) {
            endTornLine();
            throw new SinkException(describe() + ": short write (" + written + " of " + line.limit()
                    + " bytes, the disk may be full); the partial line was ended so later lines stay whole");
        }
    }

    @Override
    public void sync() throws SinkException {
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new SinkException(describe() + ": fsync failed: " + reason(e), e);
        }
    }

    @Override
    public String describe() {
        return scheme + ":" + path;
    }

    @Override
    public void close() throws SinkException {
        try {
            if (lock != null) {
                lock.close();
                link.close();
            }
            channel.close();
        } catch (IOException e) {
            throw new SinkException(describe() + ": close failed: " + reason(e), e);
        }
    }

    /**
     * One write(2). An interrupt pending on the calling thread would make FileChannel close itself and
     * lose the sink, so the flag is set aside for the duration of the write and restored afterwards.
     */
    private int uninterrupted(ByteBuffer line) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return channel.write(line);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** After a short write, a newline keeps the fragment from gluing onto the next runner's line. */
    private void endTornLine() {
        try {
            uninterrupted(ByteBuffer.wrap(NEWLINE));
        } catch (IOException ignored) {
            // the write failure itself is what gets reported
        }
    }

    static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a directory; the data itself is still fsynced on sync()
        }
    }

    static String reason(IOException e) {
        String message = e.getMessage();
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return message == null ? kind : kind + ": " + message;
    }
}
