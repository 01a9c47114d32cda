package dev.cellrunner.events.nats;

import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.nats.client.impl.Headers;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The CloudEvents NATS binding's headers. Structured mode: {@code content-type:
 * application/cloudevents+json}. Binary mode: every attribute and extension as {@code ce-NAME}, its
 * canonical string percent-encoded (space, double quote, percent and anything outside printable ASCII).
 */
public final class NatsEventHeaders {
    public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";
    static final String PREFIX = "ce-";

    private NatsEventHeaders() {
    }

    static Headers structured() {
        return new Headers().put("content-type", STRUCTURED_CONTENT_TYPE);
    }

    static Headers binary(CloudEvent event) {
        Headers headers = new Headers();
        for (String name : event.getAttributeNames()) {
            Object value = event.getAttribute(name);
            if (value != null) {
                headers.put(PREFIX + name, encode(canonical(value)));
            }
        }
        for (String name : event.getExtensionNames()) {
            Object value = event.getExtension(name);
            if (value != null) {
                headers.put(PREFIX + name, encode(canonical(value)));
            }
        }
        return headers;
    }

    /** Whether a message is in structured mode (its content type is a CloudEvents one). */
    public static boolean isStructured(Headers headers) {
        String type = headers == null ? null : headers.getFirst("content-type");
        return headers == null || !headers.containsKeyIgnoreCase("ce-specversion")
                || type != null && type.toLowerCase(Locale.ROOT).startsWith("application/cloudevents");
    }

    /** A binary-mode message back to an event, its data the payload's bytes as they are. */
    public static CloudEvent fromBinary(Headers headers, byte[] payload) {
        CloudEventBuilder builder = CloudEventBuilder.v1();
        for (Map.Entry<String, java.util.List<String>> header : headers.entrySet()) {
            String key = header.getKey().toLowerCase(Locale.ROOT);
            if (!key.startsWith(PREFIX) || header.getValue().isEmpty()) {
                continue;
            }
            String name = key.substring(PREFIX.length());
            String value = decode(header.getValue().get(0));
            switch (name) {
                case "specversion" -> {
                    if (SpecVersion.parse(value) != SpecVersion.V1) {
                        throw new IllegalArgumentException("not a CloudEvents 1.0 event");
                    }
                }
                case "id" -> builder.withId(value);
                case "source" -> builder.withSource(URI.create(value));
                case "type" -> builder.withType(value);
                case "datacontenttype" -> builder.withDataContentType(value);
                case "dataschema" -> builder.withDataSchema(URI.create(value));
                case "subject" -> builder.withSubject(value);
                case "time" -> builder.withTime(OffsetDateTime.parse(value));
                default -> builder.withExtension(name, value);
            }
        }
        return builder.withData(payload).build();
    }

    private static String canonical(Object value) {
        if (value instanceof byte[] bytes) {
            return java.util.Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof OffsetDateTime time) {
            return io.cloudevents.types.Time.writeTime(time);
        }
        return value.toString();
    }

    static String encode(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c == '"' || c == '%' || c >= 0x7f) {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    static String decode(String value) {
        String text = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1") : value;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()) {
                bytes.write(HexFormat.fromHexDigits(text, i + 1, i + 3));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        java.nio.charset.CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder();
        try {
            return strict.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("a ce- header is not UTF-8 after percent-decoding");
        }
    }
}
