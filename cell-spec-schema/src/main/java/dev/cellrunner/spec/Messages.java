package dev.cellrunner.spec;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;

/** Short, safe renderings of user values for problem messages: bounded length, never a whole 1 MiB string. */
final class Messages {
    private static final int MAX_SHOWN = 60;
    private static final int MAX_MESSAGE = 400;

    private Messages() {
    }

    /** "70000", "\"tcpp\"", "an array of 3 items"; {@code secretive} values (env) show only their length. */
    static String render(JsonNode value, boolean secretive) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        if (value.isTextual()) {
            String text = value.textValue();
            if (secretive) {
                return "a string of " + text.length() + " characters";
            }
            return text.length() <= MAX_SHOWN ? quote(text)
                    : quote(text.substring(0, MAX_SHOWN)) + "... (" + text.length() + " characters)";
        }
        if (value.isArray()) {
            return value.isEmpty() ? "an empty array" : "an array of " + count(value.size(), "item");
        }
        if (value.isObject()) {
            return value.isEmpty() ? "an empty object" : "an object with " + count(value.size(), "field");
        }
        String text = value.asText();
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "... (" + text.length() + " characters)";
    }

    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** A field name as the user wrote it, quoted and shortened. */
    static String name(String name) {
        String shown = name.length() <= MAX_SHOWN ? name : name.substring(0, MAX_SHOWN) + "...";
        return "'" + escape(shown) + "'";
    }

    static String quote(String text) {
        return "\"" + escape(text) + "\"";
    }

    private static String escape(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }

    static String clip(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "...";
    }
}
