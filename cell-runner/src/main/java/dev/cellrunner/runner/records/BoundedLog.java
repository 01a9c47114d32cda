package dev.cellrunner.runner.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Records of one kind for one cell, one entry per key (a name and type, a destination), at most
 * {@code limit} entries: a hostile cell cannot balloon the trail. Events for a key that has no entry
 * once the log is full are counted, not kept, and make the log {@code truncated}. Thread-safe.
 */
public final class BoundedLog<K, V> {
    private final int limit;
    private final Map<K, V> entries = new LinkedHashMap<>();
    private long events;
    private long dropped;

    public BoundedLog(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("a negative limit");
        }
        this.limit = limit;
    }

    /** Adds one event: {@code merge} updates the key's entry, {@code create} makes it when there is room. */
    public synchronized void record(K key, Function<K, V> create, UnaryOperator<V> merge) {
        record(key, 1, create, merge);
    }

    /** The same for {@code count} events told at once (e.g. one entry of another bounded record). */
    public synchronized void record(K key, long count, Function<K, V> create, UnaryOperator<V> merge) {
        events += count;
        V entry = entries.get(key);
        if (entry != null) {
            entries.put(key, merge.apply(entry));
        } else if (entries.size() < limit) {
            entries.put(key, create.apply(key));
        } else {
            dropped += count;
        }
    }

    /** Adds {@code count} events to the totals without an entry (what the kernel counted but could not tell). */
    public synchronized void countUnrecorded(long count) {
        events += count;
        dropped += count;
    }

    public synchronized java.util.Optional<V> get(K key) {
        return java.util.Optional.ofNullable(entries.get(key));
    }

    public synchronized List<V> entries() {
        return List.copyOf(new ArrayList<>(entries.values()));
    }

    public synchronized Totals totals() {
        return new Totals(entries.size(), events, dropped, dropped > 0, limit);
    }
}
