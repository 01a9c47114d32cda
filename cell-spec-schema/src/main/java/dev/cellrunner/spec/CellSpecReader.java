package dev.cellrunner.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Reads an ExecutionCell document from bytes; never throws for bad input, returns its problems instead. */
public final class CellSpecReader {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Documents are small; anything larger is refused before parsing. */
    public static final int MAX_DOCUMENT_BYTES = 1024 * 1024;

    private CellSpecReader() {
    }

    public static SpecReadResult read(byte[] bytes) {
        if (bytes.length > MAX_DOCUMENT_BYTES) {
            return new SpecReadResult.Invalid(List.of(new SpecProblem("",
                    "document is larger than " + MAX_DOCUMENT_BYTES + " bytes")));
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            return new SpecReadResult.Invalid(List.of(new SpecProblem("", "not valid JSON: " + e.getOriginalMessage())));
        } catch (java.io.IOException e) {
            return new SpecReadResult.Invalid(List.of(new SpecProblem("", "unreadable: " + e.getMessage())));
        }
        try {
            CellDocument doc = MAPPER.treeToValue(tree, CellDocument.class);
            List<SpecProblem> authorityProblems = AuthorityChecks.problems(doc);
            if (!authorityProblems.isEmpty()) {
                return new SpecReadResult.Invalid(authorityProblems);
            }
            return new SpecReadResult.Valid(doc, digest(bytes));
        } catch (JsonProcessingException e) {
            return new SpecReadResult.Invalid(List.of(new SpecProblem("", e.getOriginalMessage())));
        }
    }

    static String digest(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
