package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Strict validation (CONTRACT.md §1): every problem named by its JSON pointer, nothing run, no events. */
@ContractSection("§1 input document")
@ExtendWith(HarnessExtension.class)
class DocumentValidationStrictTest {

    static Stream<Arguments> invalidDocuments() {
        return Stream.of(
                invalid("missing argv", "/spec/run/argv", s -> s.without("/spec/run", "argv")),
                invalid("unknown field", "/spec/run/argvv", s -> s.field("/spec/run", "argvv", IntNode.valueOf(1))),
                invalid("ttlSeconds 0", "/spec/lifetime/ttlSeconds", s -> s.ttlSeconds(0)),
                invalid("port 70000", "/spec/authority/egressRules/0/port", s -> s.egress("198.51.100.10", 70000, "tcp")));
    }

    private static Arguments invalid(String what, String pointer, UnaryOperator<Spec> breakIt) {
        return Arguments.of(what, pointer, breakIt);
    }

    @ParameterizedTest(name = "{0}: exit 65 naming {1}, nothing runs, no events", quoteTextArguments = false)
    @MethodSource("invalidDocuments")
    @DisplayName("an invalid document")
    void invalidDocumentIsRefused(String what, String pointer, UnaryOperator<Spec> breakIt, Harness h) {
        Path marker = h.cellFile("ran");
        ContractChecks.assertWouldRun(h, Spec.shell("crconf-valid", "touch " + marker).writable(h.cellDir()), marker);
        Path spec = h.writeSpec(breakIt.apply(Spec.shell("crconf-invalid", "touch " + marker).writable(h.cellDir())));

        RunResult run = h.call(RunnerCall.run(spec));
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(65);
        assertThat(run.stderr()).as("run names the pointer").contains(pointer);
        ContractChecks.assertNothingRan(run, marker);
        ContractChecks.assertNoStackTrace(run);

        RunResult validate = h.call(RunnerCall.of("validate", spec.toString()));
        assertThat(validate.exitCode()).as(validate.describe()).isEqualTo(65);
        assertThat(validate.stderr()).as("validate names the pointer").contains(pointer);
        ContractChecks.assertNoStackTrace(validate);
    }

    @Test
    @DisplayName("all problems are reported at once, each with its pointer")
    void allProblemsAtOnce(Harness h) {
        Spec broken = Spec.cell("crconf-two-problems", "/usr/bin/true").ttlSeconds(0)
                .egress("198.51.100.10", 70000, "tcp");
        RunResult validate = h.call(RunnerCall.of("validate", h.writeSpec(broken).toString()));

        assertThat(validate.exitCode()).as(validate.describe()).isEqualTo(65);
        assertThat(validate.stderr()).contains("/spec/lifetime/ttlSeconds", "/spec/authority/egressRules/0/port");
    }
}
