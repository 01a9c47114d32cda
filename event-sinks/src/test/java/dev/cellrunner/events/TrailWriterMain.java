package dev.cellrunner.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;

/**
 * A separate process that appends one signed run to a JSONL file: started, middle events padded to
 * {@code padding} bytes, destroyed. Used to test concurrent appends and kill -9.
 * Arguments: FILE EVENTS PADDING
 */
public final class TrailWriterMain {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int events = Integer.parseInt(args[1]);
        int padding = Integer.parseInt(args[2]);
        SigningKey key = new SigningKey(TestRuns.KEY, false, null);
        try (EventTrail trail = TestRuns.trail(key, "writer-" + ProcessHandle.current().pid(), new JsonlSink(file))) {
            ObjectNode started = JsonNodeFactory.instance.objectNode();
            started.put("signingKeyId", key.keyId());
            trail.emit(EventTypes.STARTED, started);
            System.out.println("started");
            System.out.flush();
            for (int i = 1; i < events - 1; i++) {
                ObjectNode data = JsonNodeFactory.instance.objectNode();
                data.put("n", i);
                data.put("padding", "p".repeat(i % 7 == 0 ? padding : 16));
                trail.emit(EventTypes.NETWORK_POLICY, data);
            }
            trail.sync();
            trail.emit(EventTypes.DESTROYED, JsonNodeFactory.instance.objectNode().put("outcome", "succeeded"));
            trail.sync();
        }
        System.out.println("done " + List.of(args));
    }
}
