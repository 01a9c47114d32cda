package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.Jcs;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.SinkException;
import io.cloudevents.CloudEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ocsf-jsonl:PATH}: each event's OCSF records ({@link OcsfMapper}), one per line. The records of one
 * event reach the file in a single append, as whole lines, exactly as {@link JsonlSink} writes events.
 */
public final class OcsfJsonlSink implements EventSink {
    public static final String SCHEME = "ocsf-jsonl";

    private final JsonlSink lines;

    public OcsfJsonlSink(Path path) throws SinkException {
        this.lines = new JsonlSink(path, SCHEME);
    }

    @Override
    public void append(CloudEvent event, byte[] json) throws SinkException {
        List<ObjectNode> records;
        try {
            records = OcsfMapper.map(Jcs.parse(json));
        } catch (IOException | IllegalArgumentException e) {
            throw new SinkException(describe() + ": cannot map event " + event.getId() + " to OCSF: " + e.getMessage(), e);
        }
        lines.append(event, joined(records));
    }

    /** The records as lines; the sink adds the last newline. */
    static byte[] joined(List<ObjectNode> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                out.write('\n');
            }
            out.writeBytes(records.get(i).toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Override
    public void sync() throws SinkException {
        lines.sync();
    }

    @Override
    public String describe() {
        return lines.describe();
    }

    @Override
    public void close() throws SinkException {
        lines.close();
    }
}
