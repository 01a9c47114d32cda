package dev.cellrunner.events;

/** Lets tests in sub-packages build signed runs the way {@link TestRuns} does. */
public final class TestRunsAccess {
    private TestRunsAccess() {
    }

    public static SigningKey fixedKey() {
        return new SigningKey(TestRuns.KEY, false, null);
    }

    public static EventTrail trail(SigningKey key, EventSink sink) {
        return TestRuns.trail(key, "cell-http", sink);
    }

    public static EventTrail trail(SigningKey key, String cellId, EventSink sink) {
        return TestRuns.trail(key, cellId, sink);
    }

    public static void emitRun(EventTrail trail, int middle) throws SinkException {
        TestRuns.emitRun(trail, middle);
    }
}
