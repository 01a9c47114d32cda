package dev.cellrunner.events;

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

    public JsonlSink(Path path) throws SinkException {
        this(path, "jsonl");
    }

    /** {@code scheme} names the sink in messages ({@code scheme:PATH}), e.g. "ocsf-jsonl" for OCSF lines. */
    public JsonlSink(Path path, String scheme) throws SinkException {
        this.path = path;
        this.scheme = scheme;
        checkPath(path, scheme);
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
                opened = CheckedFiles.open(path, CheckedFiles.O_WRONLY | CheckedFiles.O_APPEND, 0);
            } catch (java.nio.file.NoSuchFileException absent) {
                try {
                    opened = CheckedFiles.open(path, CheckedFiles.O_WRONLY | CheckedFiles.O_APPEND
                            | CheckedFiles.O_CREAT | CheckedFiles.O_EXCL, 0600);
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
