package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@ContractSection("§1 input document")
@ExtendWith(HarnessExtension.class)
class DocumentValidationTest {

    @Test
    @DisplayName("malformed JSON: run and validate exit 65, nothing runs, no events")
    void malformedJson(Harness h) {
        Path marker = h.cellFile("ran");
        Spec valid = Spec.shell("crconf-bad-json", "touch " + marker).writable(h.cellDir());
        ContractChecks.assertWouldRun(h, valid, marker);
        String whole = valid.json();
        Path spec = h.write("bad.json", whole.substring(0, whole.length() - 3));

        RunResult run = h.call(RunnerCall.run(spec));
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(65);
        assertThat(run.stderr()).as("the runner says what is wrong").isNotBlank();
        ContractChecks.assertNothingRan(run, marker);
        ContractChecks.assertNoStackTrace(run);

        RunResult validate = h.call(RunnerCall.of("validate", spec.toString()));
        assertThat(validate.exitCode()).as(validate.describe()).isEqualTo(65);
        ContractChecks.assertNoStackTrace(validate);
    }

    @Test
    @DisplayName("a valid document validates (exit 0) and validate runs nothing")
    void validDocumentValidates(Harness h) {
        Path marker = h.cellFile("ran");
        Spec cell = Spec.shell("crconf-valid", "touch " + marker).writable(h.cellDir());
        ContractChecks.assertWouldRun(h, cell, marker);
        Path spec = h.writeSpec(cell);

        RunResult validate = h.call(RunnerCall.of("validate", spec.toString()));

        assertThat(validate.exitCode()).as(validate.describe()).isZero();
        assertThat(marker).as("validate must not run the command").doesNotExist();
    }

    @Test
    @DisplayName("the document can come from standard input (run - and validate -)")
    void documentFromStdin(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path marker = h.cellFile("ran");
        Spec spec = Spec.shell("crconf-stdin", "touch " + marker).writable(h.cellDir());

        RunResult run = h.call(RunnerCall.runFromStdin(spec.json()));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(marker).as("the command of the document read from stdin ran").exists();
        ContractChecks.assertCompletedRun(run);
        assertThat(run.trail().events().get(0).json().path("subject").asText()).isEqualTo("cell:crconf-stdin");

        RunResult validate = h.call(RunnerCall.of("validate", "-").stdin(spec.json()));
        assertThat(validate.exitCode()).as(validate.describe()).isZero();
    }
}
