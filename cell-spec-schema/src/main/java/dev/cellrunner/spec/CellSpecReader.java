package dev.cellrunner.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The front door for ExecutionCell documents: bytes in, a valid document or every problem out.
 * Never throws for bad input and never echoes a document-sized value. Steps: size cap, strict UTF-8 and
 * JSON (duplicates, depth, trailing content), the JSON Schema, then the rules a schema cannot state.
 */
public final class CellSpecReader {
    /** Documents are small; anything larger is refused before parsing. */
    public static final int MAX_DOCUMENT_BYTES = 1024 * 1024;
    /** Classpath location of the JSON Schema (the same file as schema/execution-cell.schema.json). */
    public static final String SCHEMA_RESOURCE = "/dev/cellrunner/spec/execution-cell.schema.json";
    /** At most this many problems are listed (first by location): a hostile document can have 500 000. */
    public static final int MAX_PROBLEMS = 100;

    private CellSpecReader() {
    }

    public static SpecReadResult read(byte[] bytes) {
        if (bytes.length > MAX_DOCUMENT_BYTES) {
            return invalid(new SpecProblem("", "document is larger than " + MAX_DOCUMENT_BYTES + " bytes"));
        }
        JsonNode tree;
        try {
            tree = DocumentParser.parse(bytes);
        } catch (DocumentParser.Unreadable e) {
            return invalid(e.problem);
        }
        ProblemList problems = new ProblemList(MAX_PROBLEMS);
        SchemaCheck.check(tree, problems);
        SpecRules.check(tree, problems);
        if (!problems.isEmpty()) {
            return new SpecReadResult.Invalid(problems.problems());
        }
        try {
            return new SpecReadResult.Valid(DocumentBinder.bind(tree), digest(bytes));
        } catch (RuntimeException e) {
            // Unreachable for a document the schema and the rules accepted; reported rather than thrown all the same.
            return invalid(new SpecProblem("", "the document cannot be read: " + Messages.clip(String.valueOf(e.getMessage()))));
        }
    }

    private static SpecReadResult.Invalid invalid(SpecProblem problem) {
        return new SpecReadResult.Invalid(List.of(problem));
    }

    static String digest(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
