package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.CellHold;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunningRunner;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** run.limits: the kernel's own cgroup files for the cell's process carry the limits, and they bite. */
@ContractSection("§1 limits (memoryMaxBytes, pidsMax)")
@ExtendWith(HarnessExtension.class)
class LimitsTest {
    private static final long MEMORY = 64L * 1024 * 1024;
    private static final int PIDS = 16;

    @Test
    @DisplayName("the cell's cgroup has pids.max and the memory limit of the document, read by the host")
    void limitsInTheCellsCgroup(Harness h) {
        Kernel.requireNetworkNamespaces();
        CellHold hold = h.hold("cell");
        RunningRunner running = h.start(RunnerCall.run(h.writeSpec(
                Spec.shell("crconf-limits", hold.script()).writable(h.cellDir()).memoryMaxBytes(MEMORY).pidsMax(PIDS))));

        long pid = hold.awaitPid(running);
        List<Path> groups = Proc.ownCgroupDirectories(pid);
        Optional<String> pidsMax = limitFile(groups, "pids.max");
        Optional<String> memoryMax = limitFile(groups, "memory.max", "memory.limit_in_bytes");
        hold.release();
        RunResult result = running.awaitExit();

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(pidsMax).as("pids.max of the cell's cgroups %s", groups).hasValue(Integer.toString(PIDS));
        assertThat(memoryMax).as("memory limit of the cell's cgroups %s", groups).hasValue(Long.toString(MEMORY));
    }

    @Test
    @DisplayName("pidsMax bites: a cell cannot hold more than pidsMax processes")
    void pidsMaxBites(Harness h) {
        Kernel.requireNetworkNamespaces();
        // perl's fork answers at once when the limit refuses it (a shell would retry for seconds)
        String script = "my $n = 0; my @kids; for (1 .. 40) { my $p = fork; next unless defined $p; "
                + "if ($p == 0) { sleep 5; exit 0 } push @kids, $p; $n++ } print \"started=$n\\n\"; "
                + "kill 'KILL', @kids; 1 while wait != -1;";
        RunResult result = h.run(Spec.cell("crconf-pids", "/usr/bin/perl", "-e", script).pidsMax(PIDS));

        String started = result.stdoutText().strip();
        assertThat(started).as(result.describe()).startsWith("started=");
        // perl itself is one of the PIDS tasks; a cell that could not fork at all would prove nothing
        assertThat(Integer.parseInt(started.substring("started=".length()))).as("background processes the cell held")
                .isBetween(PIDS - 2, PIDS - 1);
    }

    /** The content of the first of {@code names} found in the cell's own cgroup directories. */
    private static Optional<String> limitFile(List<Path> groups, String... names) {
        for (Path group : groups) {
            for (String name : names) {
                Path file = group.resolve(name);
                try {
                    if (Files.exists(file)) {
                        return Optional.of(Files.readString(file).strip());
                    }
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
