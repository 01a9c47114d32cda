package dev.cellrunner.spec;

import java.util.List;

/** Outcome of reading a document: a valid document with its digest, or every problem found. */
public sealed interface SpecReadResult {
    /** {@code specDigest} is "sha256:" + hex SHA-256 of the bytes exactly as read. */
    record Valid(CellDocument document, String specDigest) implements SpecReadResult {
    }

    record Invalid(List<SpecProblem> problems) implements SpecReadResult {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }
}
