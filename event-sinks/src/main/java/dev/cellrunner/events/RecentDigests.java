package dev.cellrunner.events;

/**
 * The most recent SHA-256 digests of a file's event lines, each with where its line is: {@link RunChainCheck}'s
 * memory of the last {@code capacity} events, to tell a reorder from a deletion. A digest is kept as four longs in
 * a ring, found through an open-addressing index, so an event adds no objects but its place's text: a map of
 * 100,000 hex strings and entries cost the collector a copy of each on every young collection they survived.
 * Keys are a digest as {@link java.util.HexFormat} writes it (64 lowercase hex digits); any other text is never
 * found. Putting a digest already kept replaces its place and keeps its age, as an insertion-ordered map does.
 */
final class RecentDigests {
    private final int capacity;
    private final long[] digests;
    private final String[] wheres;
    /** Ring slot + 1 per index bucket, 0 for empty; linear probing, at most half full. */
    private final int[] index;
    private final int mask;
    private int oldest;
    private int size;

    RecentDigests(int capacity) {
        this.capacity = capacity;
        this.digests = new long[4 * capacity];
        this.wheres = new String[capacity];
        this.index = new int[Integer.highestOneBit(capacity) << 2];
        this.mask = index.length - 1;
    }

    /** Where the line of {@code hex} is, or null when it is not among the kept ones. */
    String get(String hex) {
        long[] key = parse(hex);
        if (key == null) {
            return null;
        }
        int bucket = find(key);
        return bucket < 0 ? null : wheres[index[bucket] - 1];
    }

    boolean contains(String hex) {
        return get(hex) != null;
    }

    /** Keeps {@code hex} (a digest as HexFormat writes it) at {@code where}, forgetting the oldest past capacity. */
    void put(String hex, String where) {
        long[] key = parse(hex);
        if (key == null) {
            throw new IllegalArgumentException("not a hex SHA-256 digest");
        }
        int bucket = find(key);
        if (bucket >= 0) {
            wheres[index[bucket] - 1] = where;
            return;
        }
        if (size == capacity) {
            remove(oldest);
            oldest = (oldest + 1) % capacity;
            size--;
        }
        int slot = (oldest + size) % capacity;
        System.arraycopy(key, 0, digests, 4 * slot, 4);
        wheres[slot] = where;
        int b = bucket(key[0]);
        while (index[b] != 0) {
            b = (b + 1) & mask;
        }
        index[b] = slot + 1;
        size++;
    }

    void clear() {
        java.util.Arrays.fill(index, 0);
        java.util.Arrays.fill(wheres, null);
        oldest = 0;
        size = 0;
    }

    private int find(long[] key) {
        for (int b = bucket(key[0]); index[b] != 0; b = (b + 1) & mask) {
            int at = 4 * (index[b] - 1);
            if (digests[at] == key[0] && digests[at + 1] == key[1] && digests[at + 2] == key[2]
                    && digests[at + 3] == key[3]) {
                return b;
            }
        }
        return -1;
    }

    /** Takes the ring slot out of the index, moving later entries of its probe run back (no tombstones). */
    private void remove(int slot) {
        int b = bucket(digests[4 * slot]);
        while (index[b] != slot + 1) {
            b = (b + 1) & mask;
        }
        wheres[slot] = null;
        int hole = b;
        for (int next = (hole + 1) & mask; index[next] != 0; next = (next + 1) & mask) {
            int home = bucket(digests[4 * (index[next] - 1)]);
            // move the entry into the hole unless its home lies cyclically in (hole, next]
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                index[hole] = index[next];
                hole = next;
            }
        }
        index[hole] = 0;
    }

    private int bucket(long first) {
        return (int) (first ^ (first >>> 32)) & mask;
    }

    /** The digest's four longs, or null for anything but 64 lowercase hex digits. */
    private static long[] parse(String hex) {
        if (hex == null || hex.length() != 64) {
            return null;
        }
        long[] key = new long[4];
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (v < 0) {
                return null;
            }
            key[i >> 4] = key[i >> 4] << 4 | v;
        }
        return key;
    }
}
