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
        List<String> cgroups = Proc.cgroups(pid);
        Optional<String> pidsMax = controllerFile(cgroups, "pids", "pids.max");
        Optional<String> memoryMax = controllerFile(cgroups, "memory", "memory.max")
                .or(() -> controllerFile(cgroups, "memory", "memory.limit_in_bytes"));
        hold.release();
        RunResult result = running.awaitExit();

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(pidsMax).as("pids.max of the cell's cgroup (%s)", cgroups).hasValue(Integer.toString(PIDS));
        assertThat(memoryMax).as("memory limit of the cell's cgroup (%s)", cgroups).hasValue(Long.toString(MEMORY));
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
        assertThat(Integer.parseInt(started.substring("started=".length()))).as("background processes the cell held")
                .isLessThan(PIDS);
    }

    /** The file of that controller for a process's cgroup lines: v1 ("N:pids:/path") or v2 ("0::/path"). */
    private static Optional<String> controllerFile(List<String> cgroups, String controller, String file) {
        for (String line : cgroups) {
            String[] parts = line.split(":", 3);
            List<String> controllers = List.of(parts[1].split(","));
            List<Path> candidates = controllers.contains(controller)
                    ? List.of(Path.of("/sys/fs/cgroup", controller, parts[2], file))
                    : parts[1].isEmpty() ? List.of(Path.of("/sys/fs/cgroup", parts[2], file),
                    Path.of("/sys/fs/cgroup/unified", parts[2], file)) : List.of();
            for (Path candidate : candidates) {
                try {
                    if (Files.exists(candidate)) {
                        return Optional.of(Files.readString(candidate).strip());
                    }
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
