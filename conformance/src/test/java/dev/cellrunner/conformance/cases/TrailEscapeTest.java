package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.Trail;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Escape attempts against the audit trail (conformance issue): the cell tries to read the runner's
 * signing key and to write into the JSONL trail. Each attempt must fail, the cell must have made it
 * (a marker it prints first, and a control read or write that does work), and the trail must verify
 * with the runner's key. A runner may also refuse such a cell (exit 69): then nothing ran, and the
 * trail still verifies.
 */
@ContractSection("§3 escape attempts against the trail")
@ExtendWith(HarnessExtension.class)
class TrailEscapeTest {
    private static final String ATTEMPT = "CRCONF-ATTEMPT";
    private static final String FORGED = "{\"specversion\":\"1.0\",\"id\":\"crconf-forged\"}";

    @Test
    @DisplayName("the signing key file is unreadable even for a cell whose document makes the whole host readable; the trail verifies")
    void cellCannotReadTheSigningKey(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        Path readable = h.cellFile("readable.txt"); // in the directory the cell is given, next to the workspace with the key
        Files.writeString(readable, "crconf-readable\n");
        String script = "echo " + ATTEMPT + "; cat " + readable + "; cat " + keys.privateKey() + "; echo \"key-read-exit=$?\"";
        Path spec = h.writeSpec(Spec.shell("crconf-steal-key", script).writable(h.cellDir()));

        RunResult result = h.call(RunnerCall.run(spec).signedWith(keys.privateKey()));

        if (!wasRefused(result, result.trail().file())) {
            assertThat(result.stdoutText()).as("the cell ran and read a file it was given (readOnly: /)\n%s",
                    result.describe()).contains(ATTEMPT, "crconf-readable");
            assertThat(result.stdoutText()).as("what the cell printed").doesNotContain("key-read-exit=0", "PRIVATE KEY")
                    .doesNotContain(keyBody(keys.privateKey()));
        }
        ContractChecks.assertTrailVerifies(h, result.trail().file(), keys.publicKey());
    }

    @Test
    @DisplayName("a signing seed given in the runner's environment is nowhere the cell can look: its environment, any /proc/<pid>/environ; the trail verifies")
    void cellCannotReadTheSigningSeedFromEnvironments(Harness h) {
        Kernel.requireNetworkNamespaces();
        KeyFiles.CellOsKey key = KeyFiles.cellOsKey(h, "cellos-key");
        String script = "echo " + ATTEMPT + "; for f in /proc/self/environ /proc/[0-9]*/environ; do "
                + "tr '\\0' '\\n' < $f 2>/dev/null; done; echo SCAN-DONE";
        Spec spec = Spec.shell("crconf-steal-seed", script).writable(h.cellDir()).env("CRCONF_OWN", "visible-to-itself");

        RunResult result = h.call(key.applyTo(RunnerCall.run(h.writeSpec(spec))));

        if (!wasRefused(result, result.trail().file())) {
            assertThat(result.stdoutText()).as("the cell ran, scanned, and could read its own environment\n%s",
                    result.describe()).contains(ATTEMPT, "CRCONF_OWN=visible-to-itself", "SCAN-DONE");
            assertThat(result.stdoutText()).as("what the cell printed").doesNotContain(key.seed())
                    .doesNotContain("CELLOS_EVENT_SIGNING_KEY_BASE64");
        }
        ContractChecks.assertTrailVerifies(h, result.trail().file(), key.publicKey());
    }

    @Test
    @DisplayName("the cell cannot append to, truncate or link to the JSONL trail next to its writable directory; the trail verifies")
    void cellCannotWriteIntoTheTrail(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        Path trail = h.file("trail.jsonl");
        Path own = h.cellFile("own.txt");
        String script = "echo " + ATTEMPT + "; echo mine > " + own + " && echo WROTE-OWN; "
                + "echo '" + FORGED + "' >> " + trail + "; echo \"append-exit=$?\"; "
                + ": > " + trail + "; echo \"truncate-exit=$?\"; "
                + "ln " + trail + " " + h.cellFile("hardlink") + " && echo '" + FORGED + "' >> " + h.cellFile("hardlink") + "; "
                + "ln -s " + trail + " " + h.cellFile("symlink") + " && echo '" + FORGED + "' >> " + h.cellFile("symlink") + "; true";

        RunResult result = runSignedInto(h, trail, keys, Spec.shell("crconf-forge", script).writable(h.cellDir()));

        if (!wasRefused(result, trail)) {
            assertThat(result.stdoutText()).as("the cell ran and could write its own directory\n%s", result.describe())
                    .contains(ATTEMPT, "WROTE-OWN");
            assertThat(result.stdoutText()).as("what the cell's writes reported").doesNotContain("append-exit=0",
                    "truncate-exit=0");
        }
        assertNotForged(h, trail, keys, result);
    }

    @Test
    @DisplayName("a trail inside the directory the cell may write: the run is refused, or the cell's writes to it fail; the trail verifies")
    void trailInsideTheCellsWritableDirectory(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        Path trail = h.cellFile("trail.jsonl");
        String script = "echo " + ATTEMPT + "; echo '" + FORGED + "' >> " + trail + "; echo \"append-exit=$?\"; true";

        RunResult result = runSignedInto(h, trail, keys, Spec.shell("crconf-forge-inside", script).writable(h.cellDir()));

        if (!wasRefused(result, trail)) {
            assertThat(result.stdoutText()).as("the cell ran\n%s", result.describe()).contains(ATTEMPT)
                    .doesNotContain("append-exit=0");
        }
        assertNotForged(h, trail, keys, result);
    }

    /** {@code run --signing-key KEY --events jsonl:TRAIL SPEC}: a trail at a place of the case's choosing. */
    private static RunResult runSignedInto(Harness h, Path trail, KeyFiles keys, Spec spec) {
        return h.call(RunnerCall.of("run", "--signing-key", keys.privateKey().toString(), "--events", "jsonl:" + trail,
                h.writeSpec(spec).toString()));
    }

    /** The forged text is in the started event's argv; what must not be there is the forged line itself. */
    private static void assertNotForged(Harness h, Path trail, KeyFiles keys, RunResult result) throws IOException {
        assertThat(Files.readAllLines(trail)).as("the trail after the run\n%s", result.describe()).doesNotContain(FORGED);
        ContractChecks.assertTrailVerifies(h, trail, keys.publicKey());
    }

    /** A refusal (exit 69, destroyed refused, nothing printed) keeps the trail safe too: the cell never ran. */
    private static boolean wasRefused(RunResult result, Path trail) {
        if (result.exitCode() != 69) {
            return false;
        }
        Trail refused = Trail.read(trail);
        assertThat(refused.data(EventType.DESTROYED).path("outcome").asText()).as(result.describe()).isEqualTo("refused");
        assertThat(result.stdoutText()).as("a refused cell printed something").doesNotContain(ATTEMPT);
        return true;
    }

    /** The Base64 body of a PEM key file, which must never show up in the cell's output. */
    private static String keyBody(Path pem) throws IOException {
        return Files.readAllLines(pem).stream().filter(l -> !l.startsWith("-----")).reduce("", String::concat)
                .substring(0, 20);
    }
}
