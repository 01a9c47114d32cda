package dev.cellrunner.events;

import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one event per line. Each line goes to the kernel in one write on an O_APPEND descriptor,
 * so concurrent runners appending to the same file never interleave inside a line.
 */
public final class JsonlSink implements EventSink {
    private final Path path;
    private final FileChannel channel;

    public JsonlSink(Path path) throws SinkException {
        this.path = path;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new SinkException(describe() + ": cannot open for append: " + e, e);
        }
    }

    @Override
    public void append(CloudEvent event) throws SinkException {
        byte[] json = EventJson.serialize(event);
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        try {
            int written = channel.write(line);
            if (line.hasRemaining()) {
                throw new SinkException(describe() + ": short write (" + written + " of " + line.limit()
                        + " bytes); the line may be torn");
            }
        } catch (IOException e) {
            throw e instanceof SinkException se ? se : new SinkException(describe() + ": write failed: " + e, e);
        }
    }

    @Override
    public void sync() throws SinkException {
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new SinkException(describe() + ": fsync failed: " + e, e);
        }
    }

    @Override
    public String describe() {
        return "jsonl:" + path;
    }

    @Override
    public void close() throws SinkException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SinkException(describe() + ": close failed: " + e, e);
        }
    }
}
