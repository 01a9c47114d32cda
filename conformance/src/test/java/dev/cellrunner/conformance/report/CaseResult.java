package dev.cellrunner.conformance.report;

import java.util.Set;

/** One row of the report: where in the contract, which case, and how it ended. */
public record CaseResult(String section, String caseName, Verdict verdict, String reason, Set<String> tags) {
    public enum Verdict { PASS, FAIL, SKIP }
}
