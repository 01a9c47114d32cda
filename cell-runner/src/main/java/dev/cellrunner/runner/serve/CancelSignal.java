package dev.cellrunner.runner.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells a running cell, once, that it must stop and why; a late listener hears it at once. Once the cell
 * has ended ({@link #close()}) a cancel is too late and does nothing.
 */
public final class CancelSignal {
    private final List<Consumer<String>> listeners = new ArrayList<>();
    private String reason;
    private boolean closed;

    public synchronized void close() {
        closed = true;
        listeners.clear();
    }

    public void cancel(String why) {
        List<Consumer<String>> toTell;
        synchronized (this) {
            if (reason != null || closed) {
                return;
            }
            reason = why;
            toTell = List.copyOf(listeners);
        }
        toTell.forEach(listener -> listener.accept(why));
    }

    public void whenCancelled(Consumer<String> listener) {
        String why;
        synchronized (this) {
            if (reason == null) {
                listeners.add(listener);
                return;
            }
            why = reason;
        }
        listener.accept(why);
    }

    public synchronized String reason() {
        return reason;
    }
}
