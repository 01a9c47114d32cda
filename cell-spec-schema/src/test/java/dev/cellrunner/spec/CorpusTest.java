package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.cellrunner.spec.Documents.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The reader agrees with conformance/corpus/spec/EXPECTED.tsv, the same list the black-box suite holds the
 * CLI to, and with the large documents that generate-large.sh writes (built here in memory).
 */
class CorpusTest {
    private static final String HEAD =
            "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"large\",\"lifetime\":{\"ttlSeconds\":30},\"run\":{\"argv\":[";
    private static final String TAIL = "]}}}";

    static Stream<Arguments> expected() throws IOException {
        return Files.readAllLines(Documents.CORPUS.resolve("EXPECTED.tsv")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("\t"))
                .map(fields -> arguments(fields[0], Integer.parseInt(fields[1]), fields[2]));
    }

    @ParameterizedTest(name = "{0}: exit {1} {2}")
    @MethodSource("expected")
    void readerAgreesWithExpectedTsv(String file, int exit, String pointer) {
        check(Documents.corpus(file), exit, pointer);
    }

    static Stream<Arguments> large() {
        return Stream.of(
                arguments("huge-string", utf8(HEAD + "\"/bin/echo\",\"" + "a".repeat(10 * 1024 * 1024) + "\"" + TAIL), "/"),
                arguments("long-argument", utf8(HEAD + "\"/bin/echo\",\"" + "a".repeat(1_000_000) + "\"" + TAIL), "/spec/run/argv/1"),
                arguments("huge-array-500k", utf8(HEAD + "\"/bin/echo\"" + ",1".repeat(500_000) + TAIL), "/spec/run/argv"),
                arguments("over-1mib", utf8(HEAD + "\"/bin/true\"" + TAIL + "\n" + " ".repeat(1024 * 1024)), "/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("large")
    void readerAgreesOnGeneratedLargeDocuments(String name, byte[] document, String pointer) {
        check(document, 65, pointer);
    }

    @Test
    void everyCorpusFileIsListed() throws IOException {
        List<String> listed = expected().map(arguments -> (String) arguments.get()[0]).toList();
        try (Stream<Path> files = Files.list(Documents.CORPUS)) {
            assertThat(files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".json")))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    private static void check(byte[] document, int exit, String pointer) {
        SpecReadResult result = CellSpecReader.read(document);
        if (exit == 0) {
            assertThat(result).as("%s", result).isInstanceOf(SpecReadResult.Valid.class);
            return;
        }
        assertThat(exit).isEqualTo(65);
        assertThat(result).isInstanceOf(SpecReadResult.Invalid.class);
        String expected = pointer.equals("/") ? "" : pointer;
        assertThat(((SpecReadResult.Invalid) result).problems()).extracting(SpecProblem::pointer).contains(expected);
    }
}
