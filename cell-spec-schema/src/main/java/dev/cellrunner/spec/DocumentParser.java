package dev.cellrunner.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns untrusted bytes into a JSON tree, or into one problem that says where and why it is not JSON.
 * Limits are enforced by the streaming parser before any tree is built, so hostile input can neither
 * exhaust the stack (nesting) nor memory (sizes) and never makes Jackson guess an encoding.
 */
final class DocumentParser {
    /** Real documents nest 6 levels deep; anything far deeper is an attack or a mistake. */
    static final int MAX_NESTING_DEPTH = 32;
    /** Longer than any field name the schema allows; keeps hostile keys out of messages and memory. */
    static final int MAX_NAME_LENGTH = 1024;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNameLength(MAX_NAME_LENGTH)
                    .maxStringLength(CellSpecReader.MAX_DOCUMENT_BYTES)
                    .maxDocumentLength(CellSpecReader.MAX_DOCUMENT_BYTES)
                    .build())
            .build();
    /** Floats become BigDecimal so "443.0" and "1e400" keep their exact value for messages and checks. */
    static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** Thrown with the one problem that makes the bytes unreadable as a JSON document. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;
        final transient SpecProblem problem;

        Unreadable(String pointer, String message) {
            super(message, null, false, false);
            this.problem = new SpecProblem(pointer, message);
        }
    }

    private DocumentParser() {
    }

    static JsonNode parse(byte[] bytes) throws Unreadable {
        String text = decodeUtf8(bytes);
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw new Unreadable("", "contains a raw NUL byte at " + position(text, nul)
                    + "; JSON text never does (write \\u0000 inside a string if you must, it will be refused there)");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a UTF-8 byte order mark is tolerated (RFC 8259 section 8.1)
        }
        try (JsonParser parser = FACTORY.createParser(text)) {
            return readDocument(parser);
        } catch (IOException e) {
            throw new Unreadable("", "cannot be read: " + e.getMessage());
        }
    }

    private static JsonNode readDocument(JsonParser parser) throws Unreadable, IOException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(parser);
        } catch (JacksonException e) {
            throw notJson(parser, e);
        } catch (NumberFormatException e) {
            // Jackson lets this one through for exponents beyond BigDecimal ("1e999999999999999999").
            throw new Unreadable(parser.getParsingContext().pathAsPointer().toString(), "not valid JSON at "
                    + position(parser.currentLocation()) + ": a number too large to represent");
        }
        if (tree == null || tree.isMissingNode()) {
            throw new Unreadable("", "is empty; expected a JSON object");
        }
        try {
            if (parser.nextToken() != null) {
                throw new Unreadable("", "has more content after the end of the document at "
                        + position(parser.currentTokenLocation()));
            }
        } catch (JacksonException e) {
            throw new Unreadable("", "has more content after the end of the document at " + position(e.getLocation()));
        }
        return tree;
    }

    private static Unreadable notJson(JsonParser parser, JacksonException e) {
        JsonLocation where = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
        String pointer = parser.getParsingContext().pathAsPointer().toString();
        return new Unreadable(pointer, "not valid JSON at " + position(where) + ": " + Messages.clip(reason(e)));
    }

    /** Jackson's wording, except where it names its own internals. */
    private static String reason(JacksonException e) {
        String reason = String.valueOf(e.getOriginalMessage());
        if (reason.startsWith("Document nesting depth")) {
            return "nests deeper than " + MAX_NESTING_DEPTH + " levels";
        }
        if (reason.startsWith("Duplicate field ")) {
            return "field " + reason.substring("Duplicate field ".length()) + " appears twice in one object";
        }
        if (reason.startsWith("Number value length")) {
            return "a number longer than " + FACTORY.streamReadConstraints().getMaxNumberLength() + " characters";
        }
        if (reason.startsWith("Name length")) {
            return "a field name longer than " + MAX_NAME_LENGTH + " characters";
        }
        return reason;
    }

    private static String decodeUtf8(byte[] bytes) throws Unreadable {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw new Unreadable("", String.format("is not UTF-8: invalid byte 0x%02x at offset %d; documents must be UTF-8",
                    bytes[in.position()] & 0xff, in.position()));
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private static String position(String text, int index) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "line " + line + ", column " + (index - lineStart + 1);
    }

    private static String position(JsonLocation location) {
        return location == null ? "an unknown position"
                : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
