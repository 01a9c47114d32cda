package dev.cellrunner.events;

import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Appends one event per line. Each line reaches the kernel in a single write(2) on an O_APPEND
 * descriptor (FileChannel copies a heap buffer into one temporary direct buffer and writes it whole),
 * so runners appending to the same file never interleave inside a line. {@link #sync()} is fsync.
 */
public final class JsonlSink implements EventSink {
    private static final byte[] NEWLINE = {'\n'};
    private static final Set<StandardOpenOption> CREATE_NEW_FOR_APPEND =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    private static final Set<StandardOpenOption> APPEND_EXISTING =
            Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND);

    private final Path path;
    private final String scheme;
    private final FileChannel channel;

    public JsonlSink(Path path) throws SinkException {
        this(path, "jsonl");
    }

    /** {@code scheme} names the sink in messages ({@code scheme:PATH}), e.g. "ocsf-jsonl" for OCSF lines. */
    public JsonlSink(Path path, String scheme) throws SinkException {
        this.path = path;
        this.scheme = scheme;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.channel = openForAppend(path);
        } catch (IOException e) {
            throw new SinkException(describe() + ": cannot open for append: " + reason(e), e);
        }
    }

    /** A new trail is created 0600 (it names commands and hosts) and its directory entry is made durable. */
    private static FileChannel openForAppend(Path path) throws IOException {
        try {
            FileChannel created = FileChannel.open(path, CREATE_NEW_FOR_APPEND, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            syncDirectory(path.toAbsolutePath().getParent());
            return created;
        } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
            return FileChannel.open(path, APPEND_EXISTING);
        }
    }

    @Override
    public void append(CloudEvent event, byte[] json) throws SinkException {
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
