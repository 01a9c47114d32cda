package dev.cellrunner.conformance.report;

import dev.cellrunner.conformance.harness.RunnerUnderTest;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


/**
 * Runs every conformance case without Maven and writes the Markdown report and JUnit XML.
 * <pre>
 *   java -cp TEST_CLASSPATH dev.cellrunner.conformance.report.ConformanceMain
 *        [--runner CMD] [--reports DIR] [--exclude-tag TAG]...
 * </pre>
 * Exit status 0 when no case failed, 1 otherwise, 64 for a bad command line.
 */
public final class ConformanceMain {
    /** Every package that holds cases: one class per contract section, each annotated with {@code @ContractSection}. */
    private static final List<String> CASE_PACKAGES = List.of("dev.cellrunner.conformance.cases",
            "dev.cellrunner.conformance.egress");

    private ConformanceMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Path reports = null;
        List<String> excludedTags = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                return usage("missing value after " + option);
            }
            String value = args[++i];
            switch (option) {
                case "--runner" -> System.setProperty(RunnerUnderTest.COMMAND_PROPERTY, value);
                case "--reports" -> reports = Path.of(value);
                case "--exclude-tag" -> excludedTags.add(value);
                default -> {
                    return usage("unknown option " + option);
                }
            }
        }
        RunnerUnderTest runner = RunnerUnderTest.fromEnvironment();
        Path dir = reports != null ? reports : runner.repositoryRoot().resolve("conformance/target");
        System.setProperty(MarkdownReportListener.REPORT_DIR_PROPERTY, dir.toString());
        System.out.println("conformance: judging " + runner.executable() + "; reports in " + dir);

        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .selectors(CASE_PACKAGES.stream().map(DiscoverySelectors::selectPackage).toList());
        if (!excludedTags.isEmpty()) {
            request.filters(TagFilter.excludeTags(excludedTags));
        }
        LauncherDiscoveryRequest discovery = request.build();
        LegacyXmlReportGeneratingListener xml = new LegacyXmlReportGeneratingListener(
                dir.resolve("conformance-junit"), new PrintWriter(System.err, true));
        LauncherFactory.create().execute(discovery, xml);

        List<CaseResult> results = MarkdownReportListener.lastResults();
        long passed = count(results, CaseResult.Verdict.PASS);
        long failed = count(results, CaseResult.Verdict.FAIL);
        long skipped = count(results, CaseResult.Verdict.SKIP);
        results.stream().filter(r -> r.verdict() != CaseResult.Verdict.PASS).forEach(r ->
                System.out.println("  " + r.verdict() + "  " + r.section() + " / " + r.caseName() + ": "
                        + MarkdownReport.cell(r.reason())));
        System.out.println("report: " + dir.resolve(MarkdownReportListener.REPORT_FILE));
        System.out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        return failed == 0 ? 0 : 1;
    }

    private static long count(List<CaseResult> results, CaseResult.Verdict verdict) {
        return results.stream().filter(r -> r.verdict() == verdict).count();
    }

    private static int usage(String problem) {
        System.err.println("conformance: " + problem);
        System.err.println("usage: ConformanceMain [--runner CMD] [--reports DIR] [--exclude-tag TAG]...");
        return 64;
    }
}
