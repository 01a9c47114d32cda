package dev.cellrunner.spec;

import java.util.List;
import java.util.Locale;

/** Suggests the known name a typo most likely meant ("argvv" -> "argv", "proto" -> "protocol"). */
final class Spelling {
    private static final int MAX_DISTANCE = 2;

    private Spelling() {
    }

    /** The closest of {@code known} within two edits of {@code typed}, else one it abbreviates or extends, or null. */
    static String closest(String typed, List<String> known) {
        if (typed.length() > 64) {
            return null;
        }
        String lower = typed.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : known) {
            String other = candidate.toLowerCase(Locale.ROOT);
            int distance = distance(lower, other);
            if (distance > MAX_DISTANCE && Math.min(lower.length(), other.length()) >= 3
                    && (lower.startsWith(other) || other.startsWith(lower))) {
                distance = MAX_DISTANCE; // "proto" for "protocol", "execute" for "exec"
            }
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
