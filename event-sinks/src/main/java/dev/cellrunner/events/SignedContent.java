package dev.cellrunner.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts of an event that a signature covers, as text and bytes: the core context attributes, the
 * data bytes, and each extension value in its CloudEvents canonical string form. Built from an SDK
 * event when signing, or from a parsed JSON line when verifying.
 */
public record SignedContent(String id, String source, String specversion, String type, String datacontenttype,
                            String dataschema, String subject, OffsetDateTime time, byte[] data,
                            Map<String, String> extensions) {

    public static SignedContent of(CloudEvent event) {
        Map<String, String> extensions = new LinkedHashMap<>();
        for (String name : event.getExtensionNames()) {
            extensions.put(name, canonicalString(event.getExtension(name)));
        }
        CloudEventData data = event.getData();
        return new SignedContent(event.getId(), text(event.getSource()), event.getSpecVersion().toString(),
                event.getType(), event.getDataContentType(), text(event.getDataSchema()), event.getSubject(),
                event.getTime(), data == null ? new byte[0] : data.toBytes(), extensions);
    }

    /** RFC 3339 in UTC with second precision and "Z": the form the extension hashes. */
    public static String normalizedTime(OffsetDateTime time) {
        return time == null ? null
                : DateTimeFormatter.ISO_INSTANT.format(time.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }

    /** The CloudEvents canonical string of an extension value (step 5.2.1 of the signing protocol). */
    public static String canonicalString(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof URI) {
            return value == null ? null : value.toString();
        }
        if (value instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof OffsetDateTime t) {
            return normalizedTime(t);
        }
        throw new IllegalArgumentException("extension value of type " + value.getClass().getSimpleName()
                + " has no CloudEvents canonical string");
    }

    private static String text(URI uri) {
        return uri == null ? null : uri.toString();
    }
}
