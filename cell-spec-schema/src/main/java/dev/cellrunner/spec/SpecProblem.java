package dev.cellrunner.spec;

/** One thing wrong with a document: where (RFC 6901 JSON pointer, "" is the root) and what was expected. */
public record SpecProblem(String pointer, String message) {
    /** "/spec/run/argv: message"; control characters from hostile field names are escaped so a line stays a line. */
    @Override
    public String toString() {
        return printable(pointer.isEmpty() ? "/" : pointer) + ": " + printable(message);
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
