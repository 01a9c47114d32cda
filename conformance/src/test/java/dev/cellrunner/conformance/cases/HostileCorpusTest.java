package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunnerUnderTest;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the hostile-input corpus {@code conformance/corpus/spec/} through {@code validate} and {@code run}.
 * EXPECTED.tsv has one row per document: file, expected exit status of {@code validate} (0 or 65), and the
 * JSON pointer the message must name (empty or "-" for none). Lines starting with '#' and a header row are
 * ignored. An invalid document must make {@code run} exit 65 too, with no events; a valid one must be
 * accepted by {@code run} (it may still be refused, 69, when this host cannot give what it asks for).
 */
@ContractSection("§1 input document: hostile corpus")
class HostileCorpusTest {
    static final Path CORPUS = Path.of("conformance/corpus/spec");

    record Row(String file, int expectedExit, String pointer) {
    }

    @TestFactory
    Stream<DynamicTest> corpus() throws IOException {
        RunnerUnderTest runner = RunnerUnderTest.fromEnvironment();
        Path dir = runner.repositoryRoot().resolve(CORPUS);
        Path expected = dir.resolve("EXPECTED.tsv");
        if (!Files.isRegularFile(expected)) {
            throw new AssertionError("the hostile corpus is absent: " + expected + " does not exist (it holds one row per"
                    + " document: file, expected exit code, pointer)");
        }
        List<Row> rows = Files.readAllLines(expected).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("\t", -1))
                .filter(c -> c.length >= 2 && c[1].strip().matches("\\d+"))
                .map(c -> new Row(c[0].strip(), Integer.parseInt(c[1].strip()), c.length > 2 ? c[2].strip() : ""))
                .toList();
        assertThat(rows).as("rows in %s", expected).isNotEmpty();
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.file() + " -> " + row.expectedExit(),
                () -> judge(runner, dir.resolve(row.file()), row)));
    }

    private static void judge(RunnerUnderTest runner, Path document, Row row) {
        assertThat(document).as("corpus document").isRegularFile();
        try (Harness h = new Harness(runner)) {
            boolean names = !row.pointer().isEmpty() && !row.pointer().equals("-");
            RunResult validate = h.call(RunnerCall.of("validate", document.toString()).limit(Duration.ofSeconds(60)));
            ContractChecks.assertNoStackTrace(validate);
            if (row.expectedExit() == 65) {
                assertThat(validate.exitCode()).as(validate.describe()).isEqualTo(65);
                if (names) {
                    assertThat(validate.stderr()).as("validate names the pointer").contains(row.pointer());
                }
            } else {
                assertThat(validate.exitCode()).as("validate of a document that is not invalid\n%s", validate.describe())
                        .isZero();
            }
            RunResult run = h.call(RunnerCall.run(document).limit(Duration.ofSeconds(60)));
            ContractChecks.assertNoStackTrace(run);
            if (row.expectedExit() == 65) {
                assertThat(run.exitCode()).as(run.describe()).isEqualTo(65);
                assertThat(run.trail().events()).as("events of an invalid document").isEmpty();
                if (names) {
                    assertThat(run.stderr()).as("run names the pointer").contains(row.pointer());
                }
            } else {
                assertThat(run.exitCode()).as("run of a valid document is not rejected as invalid, nor a crash\n%s",
                        run.describe()).isNotIn(64, 65, 70);
            }
        }
    }
}
