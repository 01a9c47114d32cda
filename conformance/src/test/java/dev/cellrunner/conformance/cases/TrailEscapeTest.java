package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Escape attempts against the audit trail (conformance issue): each must fail, and the trail must verify. */
@ContractSection("§3 escape attempts against the trail")
@ExtendWith(HarnessExtension.class)
class TrailEscapeTest {

    @Test
    @DisplayName("the cell cannot read the runner's signing key, and the trail verifies")
    void cellCannotReadTheSigningKey(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        Path privateKey = keys.privateKey();
        Path trail = h.file("trail.jsonl");
        Path spec = h.writeSpec(Spec.shell("crconf-steal-key", "cat " + privateKey + " && echo READ-KEY"));

        RunResult result = h.call(RunnerCall.of("run", "--signing-key", privateKey.toString(), "--events",
                "jsonl:" + trail, spec.toString()));

        assertThat(result.stdoutText()).as("the cell read %s\n%s", privateKey, result.describe()).doesNotContain("READ-KEY");
        RunResult verify = h.call(RunnerCall.of("verify", "--key", keys.publicKey().toString(), trail.toString()));
        assertThat(verify.exitCode()).as(verify.describe()).isZero();
    }

    @Test
    @DisplayName("the cell cannot write into the JSONL trail, and the trail verifies")
    void cellCannotWriteIntoTheTrail(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        Path trail = h.file("trail.jsonl");
        String forged = "{\"specversion\":\"1.0\",\"id\":\"crconf-forged\"}";
        Path spec = h.writeSpec(Spec.shell("crconf-forge", "echo '" + forged + "' >> " + trail));

        RunResult result = h.call(RunnerCall.of("run", "--events", "jsonl:" + trail, spec.toString()));

        // the forged text is in the started event's argv; what must not be there is the forged line itself
        assertThat(Files.readAllLines(trail)).as("the trail after the run\n%s", result.describe()).doesNotContain(forged);
        RunResult verify = h.call(RunnerCall.of("verify", trail.toString()));
        assertThat(verify.exitCode()).as(verify.describe()).isZero();
    }
}
