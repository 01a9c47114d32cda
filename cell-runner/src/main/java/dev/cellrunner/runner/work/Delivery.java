package dev.cellrunner.runner.work;

import java.io.IOException;
import java.time.Duration;

/** A document in hand: acknowledged, dead-lettered, or handed back, exactly once. */
public interface Delivery {
    WorkItem item();

    byte[] document();

    /** Done: the queue forgets it (waits for the server to confirm). */
    void ack() throws IOException;

    /** Never to be delivered again (after it went to the dead letters). */
    void terminate() throws IOException;

    /** Back to the queue, to be delivered again after {@code delay}. */
    void retryAfter(Duration delay) throws IOException;

    /** Still working on it: the ack wait starts over. */
    void inProgress() throws IOException;
}
