package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.cellrunner.spec.Documents.edited;
import static dev.cellrunner.spec.Documents.utf8;
import static dev.cellrunner.spec.Results.onlyProblem;
import static dev.cellrunner.spec.Results.pointers;
import static dev.cellrunner.spec.Results.problems;
import static org.assertj.core.api.Assertions.assertThat;

/** Input built to break a parser: each gets one clear problem, never an exception, a hang or a huge message. */
class HostileInputTest {
    private static final String MINIMAL_HEAD =
            "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"x\",\"lifetime\":{\"ttlSeconds\":5},";

    @Test
    void malformedJsonNamesLineAndColumn() {
        SpecProblem problem = onlyProblem(utf8("{\n  \"apiVersion\": \"cellos.io/v1\",\n  \"kind\": }\n"));

        assertThat(problem.pointer()).isEqualTo("/kind");
        assertThat(problem.message()).startsWith("not valid JSON at line 3, column 11: Unexpected character ('}'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " \n\t "})
    void emptyInputIsNotADocument(String input) {
        assertThat(onlyProblem(utf8(input)).message())
                .isEqualTo("is empty; expected a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "1", "\"ExecutionCell\"", "null", "true"})
    void topLevelMustBeAnObject(String input) {
        SpecProblem problem = onlyProblem(utf8(input));

        assertThat(problem.pointer()).isEmpty();
        assertThat(problem.message()).startsWith("expected an object with apiVersion, kind, spec, got");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} {}", "{}x", "{}\n]", "{}}", "{} // comment", "{}\u0000"})
    void contentAfterTheDocumentIsRefused(String input) {
        SpecProblem problem = onlyProblem(utf8(input));

        assertThat(problem.pointer()).isEmpty();
        assertThat(problem.message()).containsAnyOf("more content after the end of the document", "raw NUL byte");
    }

    @Test
    void invalidUtf8IsRefusedWithItsOffset() {
        byte[] document = utf8(MINIMAL_HEAD + "\"run\":{\"argv\":[\"caf\u00e9\"]}}}");
        int e9 = indexOf(document, (byte) 0xC3);
        document[e9 + 1] = (byte) 0x28; // a lead byte followed by ASCII

        assertThat(onlyProblem(document).message())
                .isEqualTo("is not UTF-8: invalid byte 0xc3 at offset " + e9 + "; documents must be UTF-8");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"C0AF", "E080AF", "EDA080", "F4908080", "FF", "C3"})
    void overlongSurrogateOutOfRangeAndTruncatedSequencesAreNotUtf8(String hex) {
        byte[] bad = java.util.HexFormat.of().parseHex(hex);
        byte[] document = new byte[bad.length + 2];
        document[0] = '"';
        System.arraycopy(bad, 0, document, 1, bad.length);
        document[document.length - 1] = '"';

        assertThat(onlyProblem(document).message())
                .startsWith("is not UTF-8: invalid byte");
    }

    @Test
    void utf16IsRefusedNotGuessed() {
        byte[] document = MINIMAL_HEAD.getBytes(java.nio.charset.StandardCharsets.UTF_16BE);

        assertThat(onlyProblem(document).message())
                .contains("raw NUL byte");
    }

    @Test
    void rawNulByteIsRefusedWithItsPosition() {
        assertThat(onlyProblem(utf8("{\n\"a\u0000\": 1}")).message())
                .startsWith("contains a raw NUL byte at line 2, column 3");
    }

    @Test
    void escapedNulIsRefusedWhereverItIs() {
        assertThat(pointers(edited(
                "/spec/run/argv/1", "\"\\u0000\"",
                "/spec/run/env/CI", "\"a\\u0000\"",
                "/spec/authority/filesystem/readOnly/0", "\"/usr\\u0000/lib\"",
                "/spec/correlation/labels/team", "\"\\u0000\"")))
                .containsExactly(
                        "/spec/authority/filesystem/readOnly/0",
                        "/spec/correlation/labels/team",
                        "/spec/run/argv/1",
                        "/spec/run/env/CI");
    }

    @Test
    void objectsWhereListsBelongAreTypeProblemsNotCrashes() {
        assertThat(pointers(edited(
                "/spec/authority/egressRules", "{\"0\": {\"host\": \"127.1\", \"port\": 1}}",
                "/spec/authority/secretRefs", "{\"0\": \"PATH\"}",
                "/spec/authority/filesystem/readOnly", "{\"0\": \"/x/\"}",
                "/spec/run/env", "[\"CI\"]")))
                .containsExactly(
                        "/spec/authority/egressRules",
                        "/spec/authority/filesystem/readOnly",
                        "/spec/authority/secretRefs",
                        "/spec/run/env");
    }

    @Test
    void duplicateKeysNameTheDuplicate() {
        SpecProblem problem = onlyProblem(utf8(MINIMAL_HEAD
                + "\"run\":{\"argv\":[\"/bin/true\"],\"env\":{\"A\":\"1\",\"A\":\"2\"}}}}"));

        assertThat(problem.pointer()).isEqualTo("/spec/run/env/A");
        assertThat(problem.message()).endsWith("field 'A' appears twice in one object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[", "{\"a\":", "[{\"a\":"})
    void nestingIsCutOffAtTheLimitBeforeAnyRecursion(String level) {
        String deep = level.repeat(100_000);

        SpecProblem problem = onlyProblem(utf8(deep));

        assertThat(problem.pointer().split("/", -1)).hasSizeGreaterThan(DocumentParser.MAX_NESTING_DEPTH / 2);
        assertThat(problem.message()).endsWith("nests deeper than 32 levels");
    }

    @Test
    void documentsOverTheCapAreRefusedBeforeParsing() {
        byte[] tenMegabytes = utf8(MINIMAL_HEAD + "\"run\":{\"argv\":[\"" + "a".repeat(10 * 1024 * 1024) + "\"]}}}");

        assertThat(onlyProblem(tenMegabytes).message())
                .isEqualTo("document is larger than 1048576 bytes");
    }

    @Test
    void hugeArraysGetOneProblem() {
        String items = ",1".repeat(500_000);

        SpecProblem problem = onlyProblem(utf8(MINIMAL_HEAD + "\"run\":{\"argv\":[\"/bin/true\"" + items + "]}}}"));

        assertThat(problem.pointer()).isEqualTo("/spec/run/argv");
        assertThat(problem.message()).endsWith("got an array of 500001 items");
    }

    @Test
    void thousandsOfMistakesAreCappedAndTheCapIsSaid() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            fields.append(",\"f").append(i).append("\":").append(i);
        }
        List<SpecProblem> problems = problems(utf8(MINIMAL_HEAD + "\"run\":{\"argv\":[\"/bin/true\"]" + fields + "}}}"));

        assertThat(problems).hasSize(CellSpecReader.MAX_PROBLEMS + 1);
        assertThat(problems.get(0)).isEqualTo(new SpecProblem("",
                "more problems follow; only the first 100 by location are listed"));
        assertThat(problems.get(1).pointer()).isEqualTo("/spec/run/f0");
        assertThat(problems.get(2).pointer()).as("index-like names sort numerically").isEqualTo("/spec/run/f1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e400", "-1e400", "1e1000000000", "-1e-1000000000", "1E+2147483648",
            "99999999999999999999999999999999", "-0", "4.43e2", "443.000", "0x1BB", "+443", "443L", "NaN", "Infinity"})
    void extremeNumbersAreAnsweredQuickly(String number) {
        SpecProblem problem = onlyProblem(edited("/spec/authority/egressRules/0/port", number));

        assertThat(problem.pointer()).isEqualTo("/spec/authority/egressRules/0/port");
        assertThat(problem.message()).matches("expected an integer.*|not valid JSON at line 1, column \\d+: .*");
    }

    @Test
    void exponentsBeyondBigDecimalAreAParseProblemNotACrash() {
        SpecProblem problem = onlyProblem(utf8("{\"spec\":{\"run\":{\"timeoutMs\":1e999999999999999999}}}"));

        assertThat(problem.pointer()).isEqualTo("/spec/run/timeoutMs");
        assertThat(problem.message()).endsWith("a number too large to represent");
    }

    @Test
    void numbersLongerThanTheLimitAreRefusedWhileParsing() {
        SpecProblem problem = onlyProblem(edited("/spec/run/timeoutMs", "1" + "0".repeat(2000)));

        assertThat(problem.pointer()).isEqualTo("/spec/run/timeoutMs");
        assertThat(problem.message()).endsWith("a number longer than 1000 characters");
    }

    @Test
    void hostileFieldNamesAreBoundedAndEscaped() {
        String name = "k".repeat(5000);

        assertThat(onlyProblem(utf8("{\"" + name + "\":1}")).message())
                .asString().endsWith("a field name longer than 1024 characters");
    }

    private static int indexOf(byte[] bytes, byte value) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        throw new AssertionError("byte not found");
    }
}
