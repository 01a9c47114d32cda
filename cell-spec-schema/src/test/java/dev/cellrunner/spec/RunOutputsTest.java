package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;

import static dev.cellrunner.spec.Documents.edited;
import static dev.cellrunner.spec.Results.onlyProblem;
import static dev.cellrunner.spec.Results.valid;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code run.outputs}: absolute, normalised, distinct paths; absent means none. */
class RunOutputsTest {
    @Test
    void outputsArriveInOrderAndDefaultToNone() {
        Run run = valid(edited("/spec/run/outputs", "[\"/work/out/app.tar\", \"/work/out/sbom.json\"]")).spec().run();
        assertThat(run.outputs()).containsExactly("/work/out/app.tar", "/work/out/sbom.json");
        assertThat(valid(Documents.corpus("valid-contract-example.json")).spec().run().outputs()).isEmpty();
    }

    @Test
    void aRelativeUnnormalisedOrRepeatedOutputIsNamed() {
        assertThat(onlyProblem(edited("/spec/run/outputs", "[\"out/app.tar\"]")).toString())
                .contains("/spec/run/outputs/0");
        assertThat(onlyProblem(edited("/spec/run/outputs", "[\"/work/../etc/passwd\"]")).toString())
                .contains("/spec/run/outputs/0").contains("normalised");
        assertThat(onlyProblem(edited("/spec/run/outputs", "[\"/a\", \"/a\"]")).toString()).contains("/spec/run/outputs");
    }
}
