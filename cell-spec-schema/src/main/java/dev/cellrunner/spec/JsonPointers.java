package dev.cellrunner.spec;

import java.util.Comparator;

/** RFC 6901 JSON pointers as plain strings ("" is the whole document). */
final class JsonPointers {
    /** Orders pointers segment by segment, array indexes numerically, so /items/2 comes before /items/10. */
    static final Comparator<String> ORDER = JsonPointers::compare;

    private JsonPointers() {
    }

    static String child(String parent, String name) {
        return parent + "/" + name.replace("~", "~0").replace("/", "~1");
    }

    static String child(String parent, int index) {
        return parent + "/" + index;
    }

    /** True if {@code pointer} lies strictly inside {@code ancestor}. */
    static boolean isInside(String pointer, String ancestor) {
        return pointer.length() > ancestor.length() && pointer.startsWith(ancestor)
                && pointer.charAt(ancestor.length()) == '/';
    }

    /** Walks both pointers segment by segment without allocating: this sorts hundreds of thousands. */
    private static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int endA = segmentEnd(a, i + 1);
            int endB = segmentEnd(b, j + 1);
            int order = compareSegment(a, i + 1, endA, b, j + 1, endB);
            if (order != 0) {
                return order;
            }
            i = endA;
            j = endB;
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static int segmentEnd(String pointer, int from) {
        int slash = pointer.indexOf('/', from);
        return slash < 0 ? pointer.length() : slash;
    }

    private static int compareSegment(String a, int fromA, int toA, String b, int fromB, int toB) {
        if (isIndex(a, fromA, toA) && isIndex(b, fromB, toB) && toA - fromA != toB - fromB) {
            return Integer.compare(toA - fromA, toB - fromB);
        }
        int length = Math.min(toA - fromA, toB - fromB);
        for (int k = 0; k < length; k++) {
            int order = Character.compare(a.charAt(fromA + k), b.charAt(fromB + k));
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(toA - fromA, toB - fromB);
    }

    private static boolean isIndex(String pointer, int from, int to) {
        for (int k = from; k < to; k++) {
            if (pointer.charAt(k) < '0' || pointer.charAt(k) > '9') {
                return false;
            }
        }
        return to > from;
    }
}
