package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One event read back from a trail (a JSON line, or a structured HTTP body), whatever its member order or
 * spacing: {@code content} holds what the signature covers, with JSON data re-canonicalised (RFC 8785),
 * or, for an event {@link #scan}ned by the verifier ({@code dataAsWritten}), the data bytes as the line
 * holds them, which {@link #canonical} re-canonicalises when they are not what was signed.
 */
public record TrailEvent(String where, SignedContent content, byte[] dsseMaterial, JsonNode data, boolean dataAsWritten) {
    private static final Set<String> CORE = Set.of("specversion", "id", "source", "type", "datacontenttype",
            "dataschema", "subject", "time", "data", "data_base64");
    /** The members of {@code data} a verifier reads; a scanned event's {@code data} holds only these. */
    private static final Set<String> DATA_READ = Set.of("runId", "cellId", "signingPublicKey");
    private static final com.fasterxml.jackson.databind.ObjectReader VALUE = Jcs.STRICT.reader()
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public static TrailEvent parse(byte[] json, String where) throws IOException {
        return of(Jcs.parse(json), where);
    }

    /**
     * The verifier's way in: one strict streaming pass over the line, no tree. {@code data} is kept as the line
     * writes it (a runner writes it canonical, so hashing it as is usually matches the signature) and
     * {@link #data()} holds only the members a verifier reads ({@code runId}, {@code cellId},
     * {@code signingPublicKey}). Anything unusual (data that is no object, {@code data_base64}, a content type
     * that is not JSON, an extension value that is no string, integer or boolean) goes the way of {@link #parse}.
     */
    public static TrailEvent scan(byte[] json, String where) throws IOException {
        String specversion = null, id = null, source = null, type = null, contentType = null, dataschema = null,
                subject = null, time = null;
        int dataStart = -1;
        int dataEnd = -1;
        com.fasterxml.jackson.databind.node.ObjectNode read = null;
        byte[] dsse = null;
        Map<String, String> extensions = new LinkedHashMap<>(8);
        try (com.fasterxml.jackson.core.JsonParser p = Jcs.STRICT.createParser(json)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return parse(json, where);
            }
            com.fasterxml.jackson.core.JsonToken token;
            while ((token = p.nextToken()) == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                switch (name) {
                    case "specversion" -> specversion = scannedText(p, value, name);
                    case "id" -> id = scannedText(p, value, name);
                    case "source" -> source = scannedText(p, value, name);
                    case "type" -> type = scannedText(p, value, name);
                    case "datacontenttype" -> contentType = scannedText(p, value, name);
                    case "dataschema" -> dataschema = scannedText(p, value, name);
                    case "subject" -> subject = scannedText(p, value, name);
                    case "time" -> time = scannedText(p, value, name);
                    case "data" -> {
                        if (value != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                            return parse(json, where);
                        }
                        dataStart = (int) p.currentTokenLocation().getByteOffset();
                        read = scanData(p);
                        dataEnd = (int) p.currentLocation().getByteOffset();
                    }
                    case "data_base64" -> {
                        return parse(json, where);
                    }
                    case ExtensionNames.DSSE_MATERIAL -> {
                        if (value != com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                            throw new IOException("a Binary attribute is not Base64 text");
                        }
                        try {
                            dsse = Digests.decodeBase64(p.getText());
                        } catch (IllegalArgumentException e) {
                            throw new IOException("a Binary attribute is not Base64 text");
                        }
                    }
                    default -> {
                        switch (value) {
                            case VALUE_STRING, VALUE_TRUE, VALUE_FALSE -> extensions.put(name, p.getText());
                            case VALUE_NUMBER_INT -> extensions.put(name, String.valueOf(p.getNumberValue()));
                            default -> {
                                return parse(json, where);
                            }
                        }
                    }
                }
            }
            if (token != com.fasterxml.jackson.core.JsonToken.END_OBJECT || p.nextToken() != null) {
                return parse(json, where);
            }
        }
        if (!"1.0".equals(specversion)) {
            throw new IOException("not a CloudEvents 1.0 event");
        }
        boolean jsonData = contentType == null || contentType.startsWith("application/json") || contentType.contains("+json");
        if (!jsonData) {
            return parse(json, where);
        }
        byte[] data = dataStart < 0 ? new byte[0] : java.util.Arrays.copyOfRange(json, dataStart, dataEnd);
        SignedContent content = new SignedContent(id, source, specversion, type, contentType, dataschema, subject,
                SignedContent.parseTime(time), data, extensions);
        return new TrailEvent(where, content, dsse, read, dataStart >= 0);
    }

    /**
     * The same event with its data re-canonicalised (RFC 8785) and its data read whole: for a scanned event
     * whose data as written is not what was signed (a pipeline reformatted it). Strict: a duplicate member fails.
     */
    public TrailEvent canonical() throws IOException {
        if (!dataAsWritten) {
            return this;
        }
        JsonNode tree = Jcs.parse(content.data());
        SignedContent c = content;
        return new TrailEvent(where, new SignedContent(c.id(), c.source(), c.specversion(), c.type(), c.datacontenttype(),
                c.dataschema(), c.subject(), c.time(), Jcs.canonicalize(tree), c.extensions()), dsseMaterial, tree, false);
    }

    /** Walks data's members, keeping those a verifier reads; the parser ends on data's closing brace. */
    private static com.fasterxml.jackson.databind.node.ObjectNode scanData(com.fasterxml.jackson.core.JsonParser p)
            throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode read = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
            String name = p.currentName();
            com.fasterxml.jackson.core.JsonToken value = p.nextToken();
            if (DATA_READ.contains(name)) {
                read.set(name, value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING
                        ? com.fasterxml.jackson.databind.node.TextNode.valueOf(p.getText()) : VALUE.readTree(p));
            } else {
                p.skipChildren();
            }
        }
        return read;
    }

    private static String scannedText(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonToken value,
                                      String name) throws IOException {
        if (value == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
            throw new IOException(name + " is not a string");
        }
        return p.getText();
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
                text(event, "subject"), SignedContent.parseTime(text(event, "time")), dataBytes, extensions);
        return new TrailEvent(where, content, dsse, data, false);
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
