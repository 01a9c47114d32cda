package dev.cellrunner.events;

/**
 * Where, in a line that does not parse, the JSON object closed by the line's last byte begins: the whole
 * event another runner appended right after a writer that died mid-line. One backward pass: outside
 * strings braces and brackets are counted; a quote ends (going backwards: starts) a string unless an odd
 * number of backslashes precede it. Each backslash is looked at once per quote after it, so the pass is
 * linear in the line.
 */
public final class GluedLine {
    private GluedLine() {
    }

    /** The offset of that object's opening brace, or -1 when the line does not end in a balanced object. */
    public static int lastObjectStart(byte[] line) {
        int end = line.length - 1;
        while (end >= 0 && isSpace(line[end])) {
            end--;
        }
        if (end < 0 || line[end] != '}') {
            return -1;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = end; i >= 0; i--) {
            byte b = line[i];
            if (b == '"' && !escaped(line, i)) {
                inString = !inString;
            } else if (!inString) {
                if (b == '}' || b == ']') {
                    depth++;
                } else if (b == '{' || b == '[') {
                    depth--;
                    if (depth == 0) {
                        return b == '{' ? i : -1;
                    }
                    if (depth < 0) {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }

    private static boolean escaped(byte[] line, int quote) {
        int backslashes = 0;
        for (int i = quote - 1; i >= 0 && line[i] == '\\'; i--) {
            backslashes++;
        }
        return (backslashes & 1) == 1;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
