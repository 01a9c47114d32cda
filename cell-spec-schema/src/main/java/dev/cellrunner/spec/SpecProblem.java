package dev.cellrunner.spec;

/** One thing wrong with a document: where (RFC 6901 JSON pointer, "" is the root) and what was expected. */
public record SpecProblem(String pointer, String message) {
    @Override
    public String toString() {
        return (pointer.isEmpty() ? "/" : pointer) + ": " + message;
    }
}
