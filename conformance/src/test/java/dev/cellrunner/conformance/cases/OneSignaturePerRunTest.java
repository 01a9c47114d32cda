package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.Trail;
import dev.cellrunner.conformance.harness.TrailEdits;
import dev.cellrunner.conformance.harness.TrailVerifier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.cellrunner.conformance.cases.KeyedTrails.verify;
import static dev.cellrunner.conformance.cases.KeyedTrails.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONTRACT.md §3, "What one signature per run proves" and "cell-runner verify": by default every digest and
 * chain link and the signature of each run's last event are checked, which proves the whole run;
 * {@code --every-signature} checks each event's own; a run checked without a key is intact, origin not proven
 * (exit 3); an attribute no signature covers is named (exit 4).
 */
@ContractSection("§3 what one signature per run proves; cell-runner verify")
@ExtendWith(HarnessExtension.class)
class OneSignaturePerRunTest {

    /** One keyed run of six events alone in its trail, and the public key; verify --key accepts it untouched. */
    private static List<String> keyedRun(Harness h, KeyFiles keys) {
        Path trail = h.file("trail.jsonl");
        KeyedTrails.run(h, keys, trail, "crconf-anchor");
        List<String> lines = KeyedTrails.lines(trail);
        assertThat(lines).as("one run of six events").hasSize(6);
        RunResult every = verify(h, "--every-signature", "--key", keys.publicKey().toString(), trail.toString());
        assertThat(every.exitCode()).as("precondition: the untouched run verifies event by event\n%s", every.describe())
                .isZero();
        return lines;
    }

    @Test
    @DisplayName("a corrupted middle signature: the default proves the content, --every-signature names the event")
    void aCorruptedMiddleSignature(Harness h) {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        List<String> lines = new ArrayList<>(keyedRun(h, keys));
        lines.set(2, TrailEdits.flipSignatureBit(lines.get(2)));
        Path changed = write(h, "changed.jsonl", lines);

        RunResult byDefault = verify(h, "--key", keys.publicKey().toString(), changed.toString());
        assertThat(byDefault.exitCode()).as(byDefault.describe()).isZero();
        assertThat(byDefault.stdoutText()).contains("ok, 6 events, chain intact, signature of the last event checked");
        RunResult every = verify(h, "--every-signature", "--key", keys.publicKey().toString(), changed.toString());
        assertThat(every.exitCode()).as(every.describe()).isEqualTo(1);
        assertThat(every.stdoutText()).contains("BAD: seq 2").contains("bad signature");
    }

    @Test
    @DisplayName("a middle event forged with every digest and link recomputed fails at the last event's signature")
    void aForgedMiddleEventWithTheChainRecomputed(Harness h) {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        List<String> lines = keyedRun(h, keys);
        List<String> forged = TrailEdits.forged(lines, 4, data -> data.put("exitCode", 0).put("forged", true));
        Path changed = write(h, "forged.jsonl", forged);
        // precondition: by the suite's own check, only signatures are wrong (from the forged event on)
        List<String> problems = TrailVerifier.problems(Trail.read(changed).events(), KeyFiles.rawPublicKey(keys.publicKey()));
        assertThat(problems).hasSize(2).allSatisfy(p -> assertThat(p).contains("no Ed25519 signature"));

        RunResult verify = verify(h, "--key", keys.publicKey().toString(), changed.toString());
        assertThat(verify.exitCode()).as(verify.describe()).isEqualTo(1);
        assertThat(verify.stdoutText()).contains("BAD: seq 5").contains("bad signature").contains("covers every event");
        RunResult every = verify(h, "--every-signature", "--key", keys.publicKey().toString(), changed.toString());
        assertThat(every.stdoutText()).contains("BAD: seq 4").contains("bad signature");
    }

    @Test
    @DisplayName("an attribute no signature covers is named, and verify exits 4")
    void anUnsignedAttributeAdded(Harness h) {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        List<String> lines = new ArrayList<>(keyedRun(h, keys));
        RunResult untouched = verify(h, "--key", keys.publicKey().toString(), h.file("trail.jsonl").toString());
        assertThat(untouched.exitCode()).as(untouched.describe()).isZero();
        lines.set(3, TrailEdits.withAttribute(lines.get(3), "approvedby", "security-team"));
        RunResult verify = verify(h, "--key", keys.publicKey().toString(), write(h, "added.jsonl", lines).toString());
        assertThat(verify.exitCode()).as(verify.describe()).isEqualTo(4);
        assertThat(verify.stdoutText()).contains("ok, 6 events").contains("UNSIGNED").contains("approvedby at seq 3");
    }

    @Test
    @DisplayName("without --key: each run says intact, origin not proven, and verify exits 3")
    void noKey(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult run = h.run(Spec.cell("crconf-nokey", "/usr/bin/true"));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        RunResult verify = verify(h, run.trail().file().toString());
        assertThat(verify.exitCode()).as(verify.describe()).isEqualTo(3);
        assertThat(verify.stdoutText().lines().filter(l -> l.contains("ok, 6 events") && l.contains("intact, origin not proven")))
                .hasSize(1);
        KeyFiles keys = KeyFiles.generate(h, "keys");
        Path keyed = h.file("keyed.jsonl");
        KeyedTrails.run(h, keys, keyed, "crconf-keyed");
        assertThat(verify(h, "--key", keys.publicKey().toString(), keyed.toString()).exitCode())
                .as("the same check with the signing key proves origin").isZero();
        assertThat(verify(h, keyed.toString()).exitCode()).as("and without it does not").isEqualTo(3);
    }
}
