package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.TrailEdits;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.cellrunner.conformance.cases.KeyedTrails.verify;
import static dev.cellrunner.conformance.cases.KeyedTrails.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONTRACT.md §3, run chain: runs appended to one JSONL file are linked by a signed {@code runprev} on each
 * {@code started} and {@code destroyed}; {@code verify} names a run deleted, reordered or inserted, and a file
 * cut at a run boundary when the next file says so. Every tampered file still holds only runs that verify
 * one by one: the run chain alone tells.
 */
@ContractSection("§3 run chain")
@ExtendWith(HarnessExtension.class)
class RunChainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static long okRuns(RunResult verify) {
        return verify.stdoutText().lines().filter(l -> l.contains(": ok, ")).count();
    }

    @Test
    @DisplayName("a deleted, a reordered and an inserted run are each named; each run alone still verifies")
    void deletedReorderedAndInsertedRuns(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        String key = keys.publicKey().toString();
        Path trail = h.file("trail.jsonl");
        for (int i = 1; i <= 3; i++) {
            KeyedTrails.run(h, keys, trail, "crconf-chain-" + i);
        }
        Path other = h.file("other.jsonl");
        KeyedTrails.run(h, keys, other, "crconf-chain-other-1");
        KeyedTrails.run(h, keys, other, "crconf-chain-other-2");
        List<List<String>> runs = KeyedTrails.runs(trail);
        List<List<String>> foreign = KeyedTrails.runs(other);
        assertThat(runs).hasSize(3);
        assertLinkedFile(KeyedTrails.lines(trail), 3);
        RunResult intact = verify(h, "--key", key, trail.toString());
        assertThat(intact.exitCode()).as("the untouched trail verifies\n%s", intact.describe()).isZero();
        assertThat(okRuns(intact)).isEqualTo(3);

        RunResult deleted = verify(h, "--key", key, write(h, "deleted.jsonl", runs.get(0), runs.get(2)).toString());
        assertThat(deleted.exitCode()).as(deleted.describe()).isEqualTo(1);
        assertThat(okRuns(deleted)).isEqualTo(2);
        assertThat(deleted.stdoutText()).contains("BAD: run chain: ").contains("deleted.jsonl:7").contains("deleted");

        RunResult reordered = verify(h, "--key", key, write(h, "reordered.jsonl", runs.get(0), runs.get(2), runs.get(1)).toString());
        assertThat(reordered.exitCode()).as(reordered.describe()).isEqualTo(1);
        assertThat(okRuns(reordered)).isEqualTo(3);
        assertThat(reordered.stdoutText()).contains("BAD: run chain: ").contains("reordered");

        RunResult inserted = verify(h, "--key", key,
                write(h, "inserted.jsonl", runs.get(0), foreign.get(1), runs.get(1), runs.get(2)).toString());
        assertThat(inserted.exitCode()).as(inserted.describe()).isEqualTo(1);
        assertThat(okRuns(inserted)).isEqualTo(4);
        assertThat(inserted.stdoutText()).contains("BAD: run chain: ").contains("inserted.jsonl:7").contains("inserted");
    }

    @Test
    @DisplayName("a rotated file cut at a run boundary is named when the next file is given after it")
    void aFileCutAtARunBoundary(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        String key = keys.publicKey().toString();
        Path trail = h.file("trail.jsonl");
        KeyedTrails.run(h, keys, trail, "crconf-cut-1");
        KeyedTrails.run(h, keys, trail, "crconf-cut-2");
        Path rotated = Files.move(trail, h.file("trail.jsonl.1")); // as logrotate does
        KeyedTrails.run(h, keys, trail, "crconf-cut-3");
        List<String> first = KeyedTrails.lines(rotated);
        List<String> next = KeyedTrails.lines(trail);
        assertThat(JSON.readTree(next.get(0)).path("runprev").asText()).as("the new file continues the rotated one")
                .isEqualTo(TrailEdits.payloadDigest(first.get(first.size() - 1)));
        RunResult intact = verify(h, "--key", key, rotated.toString(), trail.toString());
        assertThat(intact.exitCode()).as("both files in order verify\n%s", intact.describe()).isZero();

        Path cut = write(h, "cut.jsonl.1", KeyedTrails.runs(rotated).get(0));
        RunResult verify = verify(h, "--key", key, cut.toString(), trail.toString());
        assertThat(verify.exitCode()).as(verify.describe()).isEqualTo(1);
        assertThat(okRuns(verify)).isEqualTo(2);
        assertThat(verify.stdoutText()).contains("cut.jsonl.1 was cut at a run boundary");
    }

    private static void assertLinkedFile(List<String> lines, int runs) throws Exception {
        String before = "0".repeat(64);
        int linked = 0;
        for (String line : lines) {
            var event = JSON.readTree(line);
            if (event.has("runprev")) {
                assertThat(event.get("runprev").asText()).as("runprev of %s", event.get("type")).isEqualTo(before);
                linked++;
            }
            before = TrailEdits.payloadDigest(line);
        }
        assertThat(linked).as("started and destroyed of each run carry runprev").isEqualTo(2 * runs);
    }
}
