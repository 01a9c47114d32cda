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

    /**
     * An event's {@code time}: RFC 3339 as {@link OffsetDateTime#parse} reads it. The form a runner writes
     * ({@code 2026-01-02T03:04:05.123456Z}) is read by hand, which costs a tenth of the general parser.
     */
    public static OffsetDateTime parseTime(String time) throws java.io.IOException {
        if (time == null) {
            return null;
        }
        OffsetDateTime quick = quickUtc(time);
        if (quick != null) {
            return quick;
        }
        try {
            return OffsetDateTime.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            throw new java.io.IOException("time is not RFC 3339: " + time);
        }
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, or null for anything else (left to the general parser). */
    private static OffsetDateTime quickUtc(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(n - 1) != 'Z' || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':') {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int digits = n - 21;
            if (t.charAt(19) != '.' || digits < 1 || digits > 9) {
                return null;
            }
            int fraction = number(t, 20, n - 1);
            if (fraction < 0) {
                return null;
            }
            for (int i = digits; i < 9; i++) {
                fraction *= 10;
            }
            nanos = fraction;
        }
        int year = number(t, 0, 4);
        int month = number(t, 5, 7);
        int day = number(t, 8, 10);
        int hour = number(t, 11, 13);
        int minute = number(t, 14, 16);
        int second = number(t, 17, 19);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        try {
            return OffsetDateTime.of(year, month, day, hour, minute, second, nanos, java.time.ZoneOffset.UTC);
        } catch (java.time.DateTimeException outOfRange) {
            return null;
        }
    }

    private static int number(String t, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** RFC 3339 in UTC with second precision and "Z": the form the extension hashes. */
    public static String normalizedTime(OffsetDateTime time) {
        if (time == null) {
            return null;
        }
        if (time.getOffset().getTotalSeconds() == 0 && time.getYear() >= 1000 && time.getYear() <= 9999) {
            // the usual case, written by hand: the formatter costs more than the rest of an event's core digest
            char[] out = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
            digits(out, 0, 4, time.getYear());
            digits(out, 5, 2, time.getMonthValue());
            digits(out, 8, 2, time.getDayOfMonth());
            digits(out, 11, 2, time.getHour());
            digits(out, 14, 2, time.getMinute());
            digits(out, 17, 2, time.getSecond());
            return new String(out);
        }
        return DateTimeFormatter.ISO_INSTANT.format(time.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static void digits(char[] out, int at, int width, int value) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
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
