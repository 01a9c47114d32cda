package dev.cellrunner.events.http;

import java.util.Locale;

/** What an HTTP sink posts: the signed CloudEvents themselves, or their OCSF records (a JSON array per request). */
public enum HttpPayload {
    CLOUDEVENTS,
    OCSF;

    public static HttpPayload parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "cloudevents" -> CLOUDEVENTS;
            case "ocsf" -> OCSF;
            default -> throw new IllegalArgumentException("unknown events format '" + text + "': expected cloudevents or ocsf");
        };
    }
}
