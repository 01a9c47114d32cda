package dev.cellrunner.conformance.report;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunnerUnderTest;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.TestTag;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes {@code conformance-report.md} after every test plan, under Maven (registered through
 * META-INF/services) and under {@link ConformanceMain} alike. The directory is the system property
 * {@value #REPORT_DIR_PROPERTY}, else {@code target} of the working directory (the module's, under
 * Surefire). An aborted case whose reason is not a missing kernel feature is reported as a FAIL, and so is
 * a case whose class does not name its contract section.
 */
public final class MarkdownReportListener implements TestExecutionListener {
    public static final String REPORT_DIR_PROPERTY = "conformance.reportDir";
    public static final String REPORT_FILE = "conformance-report.md";

    private static volatile List<CaseResult> lastResults = List.of();

    private final List<CaseResult> results = new ArrayList<>();
    private TestPlan plan;

    /** The rows of the most recent report written in this JVM (for the exit status of ConformanceMain). */
    public static List<CaseResult> lastResults() {
        return lastResults;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        results.clear();
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        if (id.isTest() || isCaseClass(id)) {
            results.add(row(id, CaseResult.Verdict.FAIL, "disabled, not a kernel limit: " + reason));
        }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        boolean failedContainer = id.isContainer() && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL;
        if (!id.isTest() && !failedContainer) {
            return;
        }
        String message = result.getThrowable().map(MarkdownReportListener::message).orElse("");
        if (id.isTest() && !isCaseClass(id)) {
            results.add(row(id, CaseResult.Verdict.FAIL, "no @ContractSection on the case's class: every case must say "
                    + "which part of the contract it judges (" + result.getStatus().name().toLowerCase(java.util.Locale.ROOT)
                    + " otherwise)"));
            return;
        }
        switch (result.getStatus()) {
            case SUCCESSFUL -> results.add(row(id, CaseResult.Verdict.PASS, ""));
            case FAILED -> results.add(row(id, CaseResult.Verdict.FAIL, message));
            case ABORTED -> results.add(message.startsWith(Kernel.SKIP_PREFIX)
                    ? row(id, CaseResult.Verdict.SKIP, message)
                    : row(id, CaseResult.Verdict.FAIL, "skipped without a kernel reason: " + message));
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        lastResults = List.copyOf(results);
        Path dir = Path.of(System.getProperty(REPORT_DIR_PROPERTY, "target"));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(REPORT_FILE), MarkdownReport.render(
                    RunnerUnderTest.fromEnvironment().executable().toString(), kernel(), lastResults));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the conformance report into " + dir, e);
        }
    }

    private CaseResult row(TestIdentifier id, CaseResult.Verdict verdict, String reason) {
        return new CaseResult(section(id), caseName(id), verdict, reason,
                id.getTags().stream().map(TestTag::getName).collect(Collectors.toSet()));
    }

    /** The case's name; a parameterised invocation is prefixed with the name of its method. */
    private String caseName(TestIdentifier id) {
        Optional<TestIdentifier> parent = plan == null ? Optional.empty() : plan.getParent(id);
        boolean invocation = parent.isPresent() && parent.get().getSource().filter(MethodSource.class::isInstance).isPresent();
        return invocation ? parent.get().getDisplayName() + ": " + id.getDisplayName() : id.getDisplayName();
    }

    private static String section(TestIdentifier id) {
        return testClass(id.getSource())
                .map(c -> c.getAnnotation(ContractSection.class))
                .map(ContractSection::value)
                .orElse("suite");
    }

    private static boolean isCaseClass(TestIdentifier id) {
        return testClass(id.getSource()).filter(c -> c.isAnnotationPresent(ContractSection.class)).isPresent();
    }

    private static Optional<Class<?>> testClass(Optional<TestSource> source) {
        return source.flatMap(s -> {
            if (s instanceof MethodSource method) {
                return Optional.of(method.getJavaClass());
            }
            if (s instanceof ClassSource type) {
                return Optional.of(type.getJavaClass());
            }
            return Optional.empty();
        });
    }

    /** The throwable's message, without the "Assumption failed: " JUnit puts before an assumption's own. */
    private static String message(Throwable t) {
        String text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return text.strip().replaceFirst("^Assumption failed: ", "");
    }

    private static String kernel() {
        try {
            return "Linux " + Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
