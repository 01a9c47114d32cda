package dev.cellrunner.spec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Collects a document's problems: one per location (the first found wins, so the schema's finding comes
 * before the rules'), nothing inside a location already reported, in location order. At most
 * {@code limit} are kept, and messages are only built for those, so a hostile 1 MiB document with half a
 * million mistakes costs bounded memory.
 */
final class ProblemList {
    private final int limit;
    private final TreeMap<String, SpecProblem> byPointer = new TreeMap<>(JsonPointers.ORDER);
    private boolean truncated;

    ProblemList(int limit) {
        this.limit = limit;
    }

    void add(String pointer, String message) {
        add(pointer, () -> message);
    }

    void add(String pointer, Supplier<String> message) {
        if (byPointer.containsKey(pointer) || insideReported(pointer)) {
            return;
        }
        if (byPointer.size() >= limit && JsonPointers.ORDER.compare(pointer, byPointer.lastKey()) > 0) {
            truncated = true;
            return;
        }
        for (Iterator<String> later = byPointer.tailMap(pointer, false).keySet().iterator(); later.hasNext(); ) {
            if (!JsonPointers.isInside(later.next(), pointer)) {
                break;
            }
            later.remove();
        }
        byPointer.put(pointer, new SpecProblem(pointer, message.get()));
        if (byPointer.size() > limit) {
            byPointer.pollLastEntry();
            truncated = true;
        }
    }

    boolean isEmpty() {
        return byPointer.isEmpty();
    }

    List<SpecProblem> problems() {
        List<SpecProblem> problems = new ArrayList<>();
        if (truncated && !byPointer.containsKey("")) {
            problems.add(new SpecProblem("", "more problems follow; only the first " + limit + " by location are listed"));
        }
        problems.addAll(byPointer.values());
        return problems;
    }

    private boolean insideReported(String pointer) {
        for (int slash = pointer.lastIndexOf('/'); slash >= 0; slash = pointer.lastIndexOf('/', slash - 1)) {
            if (byPointer.containsKey(pointer.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }
}
