package dev.cellrunner.events;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecentDigestsTest {
    /** Answers as a bounded insertion-ordered map does, through evictions, repeats and probe runs that wrap. */
    @Test
    void keepsTheMostRecentAsABoundedMapDoes() {
        Random random = new Random(17);
        for (int capacity : new int[] {1, 3, 64, 1000}) {
            RecentDigests recent = new RecentDigests(capacity);
            Map<String, String> model = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > capacity;
                }
            };
            // few distinct first longs, so that many digests share a bucket and probe runs are long
            String[] pool = new String[3 * capacity + 5];
            for (int i = 0; i < pool.length; i++) {
                byte[] digest = new byte[32];
                random.nextBytes(digest);
                digest[0] = digest[1] = digest[2] = digest[3] = digest[4] = digest[5] = 0;
                digest[6] = (byte) random.nextInt(4);
                pool[i] = HexFormat.of().formatHex(digest);
            }
            for (int step = 0; step < 20_000; step++) {
                String digest = pool[random.nextInt(pool.length)];
                if (random.nextInt(3) == 0) {
                    assertEquals(model.get(digest), recent.get(digest), "capacity " + capacity + ", step " + step);
                } else {
                    model.put(digest, "t.jsonl:" + step);
                    recent.put(digest, "t.jsonl:" + step);
                }
                if (step % 5000 == 4999) {
                    for (String d : pool) {
                        assertEquals(model.get(d), recent.get(d));
                    }
                }
                if (step == 10_000) {
                    model.clear();
                    recent.clear();
                }
            }
        }
    }

    @Test
    void findsOnlyTheTextHexFormatWrites() {
        RecentDigests recent = new RecentDigests(10);
        String digest = "ab".repeat(32);
        recent.put(digest, "t.jsonl:1");
        assertEquals("t.jsonl:1", recent.get(digest));
        assertNull(recent.get("AB".repeat(32)));
        assertNull(recent.get("ab".repeat(31)));
        assertNull(recent.get(null));
        assertFalse(recent.contains("xy".repeat(32)));
        assertThrows(IllegalArgumentException.class, () -> recent.put("0".repeat(64) + "0", "t.jsonl:2"));
    }
}
