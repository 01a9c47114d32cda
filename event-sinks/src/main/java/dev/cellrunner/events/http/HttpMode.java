package dev.cellrunner.events.http;

/** The CloudEvents HTTP binding's content modes. */
public enum HttpMode {
    /** One event per request, {@code application/cloudevents+json}. */
    STRUCTURED,
    /** Several events per request, {@code application/cloudevents-batch+json}. */
    BATCH,
    /** One event per request, attributes in {@code ce-} headers, data as the body. */
    BINARY;

    public static HttpMode parse(String text) {
        try {
            return valueOf(text.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown events mode '" + text + "': expected structured, batch or binary");
        }
    }
}
