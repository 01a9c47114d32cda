package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One event read back from a trail (a JSON line, or a structured HTTP body), whatever its member order or
 * spacing: {@code content} holds what the signature covers, with JSON data re-canonicalised (RFC 8785).
 */
public record TrailEvent(String where, SignedContent content, byte[] dsseMaterial, JsonNode data) {
    private static final Set<String> CORE = Set.of("specversion", "id", "source", "type", "datacontenttype",
            "dataschema", "subject", "time", "data", "data_base64");

    public static TrailEvent parse(byte[] json, String where) throws IOException {
        return of(Jcs.parse(json), where);
    }

    public static TrailEvent of(JsonNode event, String where) throws IOException {
        if (!event.isObject()) {
            throw new IOException("not a JSON object");
        }
        if (!"1.0".equals(text(event, "specversion"))) {
            throw new IOException("not a CloudEvents 1.0 event");
        }
        String contentType = text(event, "datacontenttype");
        JsonNode data = event.get("data");
        byte[] dataBytes = dataBytes(event, contentType);
        Map<String, String> extensions = new LinkedHashMap<>();
        byte[] dsse = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            if (CORE.contains(member.getKey())) {
                continue;
            }
            if (member.getKey().equals(ExtensionNames.DSSE_MATERIAL)) {
                dsse = binary(member.getValue());
            } else {
                extensions.put(member.getKey(), canonicalString(member.getValue()));
            }
        }
        SignedContent content = new SignedContent(text(event, "id"), text(event, "source"),
                text(event, "specversion"), text(event, "type"), contentType, text(event, "dataschema"),
                text(event, "subject"), time(event), dataBytes, extensions);
        return new TrailEvent(where, content, dsse, data);
    }

    public String extension(String name) {
        return content.extensions().get(name);
    }

    private static byte[] dataBytes(JsonNode event, String contentType) throws IOException {
        JsonNode data = event.get("data");
        JsonNode base64 = event.get("data_base64");
        if (data != null && base64 != null) {
            throw new IOException("both data and data_base64");
        }
        boolean json = contentType == null || contentType.startsWith("application/json")
                || contentType.contains("+json");
        if (base64 != null) {
            byte[] bytes = binary(base64);
            return json ? Jcs.canonicalize(bytes) : bytes;
        }
        if (data == null) {
            return new byte[0];
        }
        if (!json && data.isTextual()) {
            return data.textValue().getBytes(StandardCharsets.UTF_8);
        }
        return Jcs.canonicalize(data);
    }

    private static String text(JsonNode event, String name) throws IOException {
        JsonNode value = event.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IOException(name + " is not a string");
        }
        return value.textValue();
    }

    private static OffsetDateTime time(JsonNode event) throws IOException {
        String time = text(event, "time");
        try {
            return time == null ? null : OffsetDateTime.parse(time);
        } catch (DateTimeParseException e) {
            throw new IOException("time is not RFC 3339: " + time);
        }
    }

    private static byte[] binary(JsonNode value) throws IOException {
        try {
            if (value.isTextual()) {
                return Digests.decodeBase64(value.textValue());
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IOException("a Binary attribute is not Base64 text");
    }

    /** A JSON member as its CloudEvents canonical string; a pipeline may have turned 3 into "3". */
    private static String canonicalString(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isIntegralNumber() || value.isBoolean()) {
            return value.asText();
        }
        return value.toString();
    }
}
