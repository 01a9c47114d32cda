package dev.cellrunner.conformance.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders the case results as a Markdown document: a header with the totals, then one table row per case. */
public final class MarkdownReport {
    private static final int REASON_LIMIT = 400;

    private MarkdownReport() {
    }

    public static String render(String runner, String kernel, List<CaseResult> results) {
        Map<CaseResult.Verdict, Integer> totals = new LinkedHashMap<>();
        for (CaseResult.Verdict verdict : CaseResult.Verdict.values()) {
            totals.put(verdict, 0);
        }
        results.forEach(r -> totals.merge(r.verdict(), 1, Integer::sum));
        StringBuilder md = new StringBuilder();
        md.append("# cell-runner conformance report\n\n");
        md.append("- Runner under test: `").append(runner).append("`\n");
        md.append("- Kernel: ").append(kernel).append("\n");
        md.append("- Result: ").append(totals.get(CaseResult.Verdict.PASS)).append(" passed, ")
                .append(totals.get(CaseResult.Verdict.FAIL)).append(" failed, ")
                .append(totals.get(CaseResult.Verdict.SKIP)).append(" skipped\n");
        md.append("- A case skips only when the kernel lacks a feature; cases tagged `pending` test contract")
                .append(" features that have not landed yet.\n\n");
        md.append("| Contract section | Case | Result | Reason |\n|---|---|---|---|\n");
        for (CaseResult r : sorted(results)) {
            String name = r.tags().contains("pending") ? r.caseName() + " `pending`" : r.caseName();
            md.append("| ").append(cell(r.section())).append(" | ").append(cell(name)).append(" | ")
                    .append(r.verdict().name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(cell(r.reason())).append(" |\n");
        }
        return md.toString();
    }

    /** Groups rows by section in the order sections first appeared, keeping case order within each. */
    private static List<CaseResult> sorted(List<CaseResult> results) {
        Map<String, List<CaseResult>> bySection = new LinkedHashMap<>();
        results.forEach(r -> bySection.computeIfAbsent(r.section(), s -> new ArrayList<>()).add(r));
        List<String> sections = new ArrayList<>(bySection.keySet());
        sections.sort(String::compareTo);
        List<CaseResult> sorted = new ArrayList<>();
        sections.forEach(s -> sorted.addAll(bySection.get(s)));
        return sorted;
    }

    /** One table cell: a single line, pipes escaped, long reasons cut. */
    static String cell(String text) {
        if (text == null) {
            return "";
        }
        String line = text.replaceAll("\\s+", " ").strip().replace("|", "\\|");
        return line.length() > REASON_LIMIT ? line.substring(0, REASON_LIMIT) + "..." : line;
    }
}
