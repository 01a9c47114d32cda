package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.cellrunner.spec.Documents.REMOVE;
import static dev.cellrunner.spec.Documents.edited;
import static dev.cellrunner.spec.Results.onlyProblem;
import static dev.cellrunner.spec.Results.pointers;
import static dev.cellrunner.spec.Results.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The contract example with one mistake: exactly one problem, at the right pointer, saying what was expected. */
class InvalidDocumentTest {

    static Stream<Arguments> mistakes() {
        return Stream.of(
                mistake("/spec/authority/egressRules/0/port", "70000", "expected an integer 1..65535, got 70000"),
                mistake("/spec/authority/egressRules/0/port", "0", "expected an integer 1..65535, got 0"),
                mistake("/spec/authority/egressRules/0/port", "443.0", "expected an integer written without a fraction or exponent, got the decimal number 443.0"),
                mistake("/spec/authority/egressRules/0/port", "443.5", "expected an integer 1..65535, got 443.5"),
                mistake("/spec/authority/egressRules/0/port", "1e400", "expected an integer 1..65535, got 1E+400"),
                mistake("/spec/authority/egressRules/0/port", "\"443\"", "expected an integer 1..65535, got \"443\""),
                mistake("/spec/authority/egressRules/0/port", REMOVE, "missing required field (expected an integer 1..65535)"),
                mistake("/spec/authority/egressRules/0/protocol", "\"icmp\"", "expected one of: tcp, udp, got \"icmp\""),
                mistake("/spec/authority/egressRules/0/proto", "\"tcp\"", "unknown field 'proto', did you mean 'protocol'?"),
                mistake("/spec/authority/egressRules/0/host", "\"0.0.0.0/0\"", "'0.0.0.0/0' matches every address"),
                mistake("/spec/authority/egressRules/0/host", "\"::ffff:127.0.0.1\"", "(127.0.0.1) includes addresses of 127.0.0.0/8"),
                mistake("/spec/authority/egressRules/0/host", "\"\"", "expected a string of 1..254 characters, got \"\""),
                mistake("/spec/authority/egressRules/2", "{\"host\": \"::ffff:198.51.100.10\", \"port\": 443}",
                        "same destination (198.51.100.10 port 443 tcp) as /spec/authority/egressRules/0"),
                mistake("/spec/authority/secretRefs/1", "\"NPM_TOKEN\"", "duplicate of /spec/authority/secretRefs/0"),
                mistake("/spec/authority/secretRefs/0", "\"PATH\"", "secret PATH would replace the cell's PATH"),
                mistake("/spec/authority/secretRefs/0", "\"CI\"", "secret CI would overwrite /spec/run/env/CI"),
                mistake("/spec/authority/secretRefs/0", "\"npm-token\"", "expected a string matching ^[A-Z_][A-Z0-9_]{0,127}$, got \"npm-token\""),
                mistake("/spec/authority/filesystem/readOnly/0", "\"usr\"", "matching ^/, got \"usr\""),
                mistake("/spec/authority/filesystem/readOnly/0", "\"/usr/\"", "expected a normalised absolute path"),
                mistake("/spec/authority/filesystem/readOnly/0", "\"/usr//lib\"", "expected a normalised absolute path"),
                mistake("/spec/authority/filesystem/readOnly/0", "\"/usr/./lib\"", "expected a normalised absolute path"),
                mistake("/spec/authority/filesystem/readOnly/0", "\"/usr/..\"", "expected a normalised absolute path"),
                mistake("/spec/authority/filesystem/readOnly/1", "\"/usr\"", "duplicate of /spec/authority/filesystem/readOnly/0"),
                mistake("/spec/authority/filesystem/readWrite/0", "\"/etc\"", "also listed in /spec/authority/filesystem/readOnly/1"),
                mistake("/spec/authority/filesystem/execute", "[\"/bin\"]", "unknown field 'execute', did you mean 'exec'?"),
                mistake("/spec/authority/syscalls/deny/0", "\"PTRACE\"", "expected a string matching ^[a-z_][a-z0-9_]{0,63}$"),
                mistake("/spec/authority/syscalls/deny/1", "\"ptrace\"", "duplicate of /spec/authority/syscalls/deny/0"),
                mistake("/spec/lifetime/ttlSeconds", "0", "expected an integer 1..604800, got 0"),
                mistake("/spec/lifetime/ttlSeconds", "604801", "expected an integer 1..604800, got 604801"),
                mistake("/spec/lifetime", REMOVE, "missing required field (expected an object with ttlSeconds)"),
                mistake("/spec/run/argv", REMOVE, "missing required field (expected a non-empty array of at most 4096 strings)"),
                mistake("/spec/run/argv", "[]", "expected a non-empty array of at most 4096 strings, got an empty array"),
                mistake("/spec/run/argv", "\"make test\"", "got \"make test\""),
                mistake("/spec/run/argv/0", "\"\"", "expected a string of 1..4095 characters, got \"\""),
                mistake("/spec/run/argv/1", "5", "expected a string of at most 131071 characters, got 5"),
                mistake("/spec/run/argv/1", "\"a\\u0000b\"", "must not contain a NUL character"),
                mistake("/spec/run/argvv", "[\"x\"]", "unknown field 'argvv', did you mean 'argv'? (expected one of: argv, workingDirectory, env,"),
                mistake("/spec/run/workingDirectory", "\"/work/\\u0000\"", "must not contain a NUL character"),
                mistake("/spec/run/env/A-B", "\"x\"", "invalid name 'A-B' (expected a name matching ^[A-Za-z_][A-Za-z0-9_]{0,255}$)"),
                mistake("/spec/run/env/1X", "\"x\"", "invalid name '1X'"),
                mistake("/spec/run/env/CI", "true", "expected a string of at most 131071 characters, got true"),
                mistake("/spec/run/secretDelivery", "\"file\"", "expected one of: env, none, got \"file\""),
                mistake("/spec/authority/egressMode", "\"learn\"", "expected one of: enforce, audit, got \"learn\""),
                mistake("/spec/run/timeoutMs", "0", "expected an integer 1..604800000, got 0"),
                mistake("/spec/run/user", "\"root;id\"", "expected a string matching ^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})$ or an integer 0..4294967294"),
                mistake("/spec/run/user", "\"4294967295\"", "expected a numeric id 0..4294967294, got 4294967295"),
                mistake("/spec/run/group", "-1", "or an integer 0..4294967294, got -1"),
                mistake("/spec/run/group", "1.5", "or an integer 0..4294967294, got 1.5"),
                mistake("/spec/run/limits/memoryMaxBytes", "1000", "expected an integer 1048576..1125899906842624, got 1000"),
                mistake("/spec/run/limits/pidsMax", "0", "expected an integer 1..4194304, got 0"),
                mistake("/spec/run/limits/cpuMillicores", "0", "expected an integer 1..1024000, got 0"),
                mistake("/spec/run/limits/tempMaxBytes", "4096", "expected an integer 1048576..1125899906842624, got 4096"),
                mistake("/spec/run/limits/cpus", "2", "unknown field 'cpus'"),
                mistake("/spec/id", "\"../x\"", "expected a string matching ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$, got \"../x\""),
                mistake("/spec/id", "\"" + "a".repeat(129) + "\"", "... (129 characters)"),
                mistake("/spec/id", REMOVE, "missing required field (expected a string matching"),
                mistake("/spec/correlation/labels/bad key", "\"x\"", "invalid name 'bad key'"),
                mistake("/spec/correlation/labels/team", "1", "expected a string of at most 256 characters, got 1"),
                mistake("/spec/correlation/platform", "\"\"", "expected a string of 1..64 characters, got \"\""),
                mistake("/spec", "[]", "expected an object with id, lifetime, run, got an empty array"),
                mistake("/apiVersion", "\"cellos.io/v2\"", "expected \"cellos.io/v1\", got \"cellos.io/v2\""),
                mistake("/apiVersion", REMOVE, "missing required field (expected \"cellos.io/v1\")"),
                mistake("/kind", "\"Pod\"", "expected \"ExecutionCell\", got \"Pod\""),
                mistake("/metadata", "{}", "unknown field 'metadata' (expected one of: apiVersion, kind, spec)"));
    }

    private static Arguments mistake(String pointer, String json, String message) {
        return arguments(pointer, json, message);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("mistakes")
    void oneMistakeIsOneProblemAtItsPointer(String pointer, String json, String message) {
        List<SpecProblem> problems = problems(edited(pointer, json));

        assertThat(problems).extracting(SpecProblem::pointer).containsExactly(pointer);
        assertThat(problems.get(0).message()).contains(message);
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        List<String> pointers = pointers(edited(
                "/spec/run/argvv", "[\"x\"]",
                "/spec/lifetime/ttlSeconds", "0",
                "/spec/authority/egressRules/1/port", "70000",
                "/spec/authority/egressRules/2/host", "\"127.1\""));

        assertThat(pointers).containsExactly(
                "/spec/authority/egressRules/1/port",
                "/spec/authority/egressRules/2/host",
                "/spec/lifetime/ttlSeconds",
                "/spec/run/argvv");
    }

    @Test
    void problemsAreSortedWithIndexesInNumericOrder() {
        List<String> edits = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            edits.add("/spec/authority/egressRules/" + i);
            edits.add("{\"host\": \"198.51.100." + (i + 1) + "\", \"port\": " + (i % 5 == 0 ? 70000 : 443) + "}");
        }

        assertThat(pointers(edited(edits))).containsExactly(
                "/spec/authority/egressRules/0/port",
                "/spec/authority/egressRules/5/port",
                "/spec/authority/egressRules/10/port");
    }

    @Test
    void nothingIsReportedInsideALocationThatIsAlreadyWrong() {
        assertThat(pointers(edited("/spec/run/limits/extra", "{\"nested\": 1.5, \"name\": \"\\u0000\"}")))
                .containsExactly("/spec/run/limits/extra");
    }

    @Test
    void pointersEscapeSlashAndTildeInFieldNames() {
        assertThat(pointers(edited("/spec/run/a~1b~0c", "1"))).containsExactly("/spec/run/a~1b~0c");
    }

    @Test
    void environmentValuesAreNeverEchoed() {
        String secretLooking = "hunter2-" + "x".repeat(131_100);

        SpecProblem problem = onlyProblem(edited("/spec/run/env/TOKEN", "\"" + secretLooking + "\""));

        assertThat(problem.pointer()).isEqualTo("/spec/run/env/TOKEN");
        assertThat(problem.message()).doesNotContain("hunter2").contains("got a string of 131108 characters");
    }

    @Test
    void longValuesAreShortenedInMessages() {
        assertThat(onlyProblem(edited("/spec/run/argv/1", "\"" + "y".repeat(200_000) + "\"")).message())
                .hasSizeLessThan(200).endsWith("... (200000 characters)");
    }

    @Test
    void printedProblemsCannotForgeExtraLines() {
        SpecProblem problem = problems(edited("/spec/run/x\n  ~1spec~1id: forged", "1")).get(0);

        assertThat(problem.pointer()).isEqualTo("/spec/run/x\n  ~1spec~1id: forged");
        assertThat(problem.toString()).doesNotContain("\n").startsWith("/spec/run/x\\u000a  ~1spec~1id: forged: unknown field");
    }
}
