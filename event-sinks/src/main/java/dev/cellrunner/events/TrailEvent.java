package dev.cellrunner.events;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
        ObjectNode read = null;
        byte[] dsse = null;
        Map<String, String> extensions = new LinkedHashMap<>(8);
        try (JsonParser p = Jcs.STRICT.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return parse(json, where);
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
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
                        if (value != JsonToken.START_OBJECT) {
                            return parse(json, where);
                        }
                        dataStart = (int) p.currentTokenLocation().getByteOffset();
                        read = scanData(p);
                        if (read == null) {
                            return parse(json, where);
                        }
                        dataEnd = (int) p.currentLocation().getByteOffset();
                    }
                    case "data_base64" -> {
                        return parse(json, where);
                    }
                    case ExtensionNames.DSSE_MATERIAL -> {
                        if (value != JsonToken.VALUE_STRING) {
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
            if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
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
        byte[] data = dataStart < 0 ? new byte[0] : Arrays.copyOfRange(json, dataStart, dataEnd);
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

    /**
     * Walks data's members, keeping those a verifier reads (null when one is no string: the caller then reads the
     * line as a tree); the parser ends on data's closing brace. A member
     * named twice in any object of data is refused, as the strict parser refuses it elsewhere; data's objects are
     * checked by {@link MemberNames} rather than by the parser, whose check makes a hash set for every object of
     * three members or more (a tenth of verify's time on a runner's trail, whose data is mostly small objects).
     */
    private static ObjectNode scanData(JsonParser p)
            throws IOException {
        ObjectNode read = JsonNodeFactory.instance.objectNode();
        MemberNames names = new MemberNames();
        p.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // data and all below it
        names.open();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            names.add(name, p);
            JsonToken value = p.nextToken();
            if (!DATA_READ.contains(name)) {
                skipChecked(p, value, names);
            } else if (value == JsonToken.VALUE_STRING) {
                read.set(name, TextNode.valueOf(p.getText()));
            } else {
                return null; // unusual: the caller reads the line as a tree
            }
        }
        // back to the event's own object, whose members the parser still checks
        p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        return read;
    }

    /** Passes over {@code value} (its first token read), refusing a member named twice in any of its objects. */
    private static void skipChecked(JsonParser p, JsonToken value,
                                    MemberNames names) throws IOException {
        if (value == JsonToken.START_OBJECT) {
            names.open();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                names.add(p.currentName(), p);
                skipChecked(p, p.nextToken(), names);
            }
            names.close();
        } else if (value == JsonToken.START_ARRAY) {
            JsonToken element;
            while ((element = p.nextToken()) != JsonToken.END_ARRAY) {
                if (element == null) {
                    throw new JsonParseException(p, "Unexpected end-of-input in an array");
                }
                skipChecked(p, element, names);
            }
        }
    }

    /**
     * The member names of each object open on the way down data (the parser bounds the depth), in one open-addressing
     * table per depth that is never cleared: a slot counts only if it carries the object's own stamp, so opening an
     * object costs nothing and no object allocates. (The names' hash codes are cached in the parser's canonical
     * strings.) A table grows when half full, so an object of many members costs no quadratic time.
     */
    static final class MemberNames {
        private String[][] names = new String[8][];
        private int[][] stamps = new int[8][];
        private int[] stamp = new int[8];
        private int[] counts = new int[8];
        private int nextStamp;
        private int depth = -1;

        void open() {
            depth++;
            if (depth == counts.length) {
                names = Arrays.copyOf(names, depth * 2);
                stamps = Arrays.copyOf(stamps, depth * 2);
                stamp = Arrays.copyOf(stamp, depth * 2);
                counts = Arrays.copyOf(counts, depth * 2);
            }
            if (names[depth] == null) {
                names[depth] = new String[32];
                stamps[depth] = new int[32];
            }
            stamp[depth] = ++nextStamp; // a line has far fewer than 2^31 objects (its length is bounded)
            counts[depth] = 0;
        }

        void close() {
            depth--;
        }

        void add(String name, JsonParser p) throws IOException {
            if (!insert(names[depth], stamps[depth], stamp[depth], name)) {
                throw new JsonParseException(p, "Duplicate field '" + name + "'");
            }
            if (++counts[depth] * 2 > names[depth].length) {
                grow();
            }
        }

        /** False if {@code name} is in the table already. */
        private static boolean insert(String[] table, int[] stamps, int stamp, String name) {
            int mask = table.length - 1;
            int h = name.hashCode();
            for (int i = (h ^ (h >>> 16)) & mask; ; i = (i + 1) & mask) {
                if (stamps[i] != stamp) {
                    table[i] = name;
                    stamps[i] = stamp;
                    return true;
                }
                if (table[i].equals(name)) {
                    return false;
                }
            }
        }

        private void grow() {
            String[] old = names[depth];
            int[] oldStamps = stamps[depth];
            int current = stamp[depth];
            String[] table = new String[old.length * 2];
            int[] tableStamps = new int[old.length * 2];
            for (int i = 0; i < old.length; i++) {
                if (oldStamps[i] == current) {
                    insert(table, tableStamps, current, old[i]);
                }
            }
            names[depth] = table;
            stamps[depth] = tableStamps;
        }
    }

    private static String scannedText(JsonParser p, JsonToken value,
                                      String name) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
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
