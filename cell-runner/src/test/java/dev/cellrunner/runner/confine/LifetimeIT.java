package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.testing.HungFilesystem;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cell's lifetime bounds every wait of the run on its PID 1, also before PID 1 has said the
 * command started: here the command's exec hangs in the kernel on a FUSE filesystem that stopped
 * answering (as on a hung NFS mount), so PID 1 never reports, and the process cannot even be killed.
 */
class LifetimeIT extends CellRunnerCase {
    private static final long LIFETIME_MS = 2_000;
    /** The runner's wait for a killed cell to be gone (CellRun's DRAIN_LIMIT), plus scheduling on a loaded host. */
    private static final long MARGIN_MS = 5_000 + 5_000;

    @Test
    void aCommandWhoseExecHangsOnAFilesystemIsEndedAtTheLifetimeAndReportedAsExpired() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIP: the kernel has no FUSE (/dev/fuse)");
        Path mountPoint = Files.createTempDirectory(onTheTreeTheCellSees(), "lifetime-it-");
        Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwxr-xr-x"));
        String runId = null;
        try (HungFilesystem hung = HungFilesystem.mount(mountPoint, "#!/bin/sh\necho the command ran\n")) {
            ObjectNode document = CellRunnerCli.cell(hung.file().toString());
            ((ObjectNode) document.get("spec").get("run")).put("timeoutMs", LIFETIME_MS);
            long start = System.nanoTime();
            CellRunnerCli.Run run = cli.run(document);
            long wallMs = (System.nanoTime() - start) / 1_000_000;
            runId = run.events().get(0).path("runid").asText();

            assertThat(hung.heldOpens()).as("the precondition: the cell's exec is held in the kernel; " + run)
                    .isPositive();
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(124);
            JsonNode completed = run.event("completed");
            assertThat(completed.get("timedOut").asBoolean()).as(completed.toString()).isTrue();
            assertThat(completed.get("exitCode").asInt()).isEqualTo(124);
            assertThat(completed.get("spawnError").isNull()).as("released: never 'not started'").isTrue();
            assertThat(completed.get("durationMs").asLong()).as(completed.toString())
                    .isBetween(LIFETIME_MS, LIFETIME_MS + MARGIN_MS);
            JsonNode destroyed = run.event("destroyed");
            assertThat(destroyed.get("outcome").asText()).isEqualTo("failed");
            assertThat(destroyed.get("terminalState").asText()).isEqualTo("forced");
            assertThat(destroyed.get("reason").asText()).isEqualTo("lifetime of " + LIFETIME_MS + " ms expired");
            assertThat(run.event("confinement").get("pid").isNull()).as("the command never said it started").isTrue();
            assertThat(run.stdout()).doesNotContain("the command ran");
            assertThat(run.stderr()).contains("stuck in the kernel");
            System.out.println("a hung exec: the runner ended " + wallMs + " ms after it started, the cell after "
                    + completed.get("durationMs").asLong() + " ms (lifetime " + LIFETIME_MS + " ms)");
        } finally {
            // the filesystem is gone: the stuck process ends, and the groups the runner could not remove with it
            Files.deleteIfExists(mountPoint);
            if (runId != null) {
                removeGroupsOf(runId);
            }
        }
    }

    /**
     * A directory the cell sees as the host's: this checkout's target, unless the checkout is under a
     * path the cell gets fresh (/tmp, /var/tmp, /dev/shm, /run), as CI's clone in /tmp is; then /var/lib.
     */
    private static Path onTheTreeTheCellSees() throws IOException {
        Path target = Path.of("target").toAbsolutePath().normalize();
        for (String fresh : List.of("/tmp", "/var/tmp", "/dev/shm", "/run")) {
            if (target.startsWith(fresh)) {
                return Files.createDirectories(Path.of("/var/lib/cell-runner-tests"));
            }
        }
        return target;
    }

    /** The run's cgroups the runner left (a process in them could not die then), once that process is gone. */
    private static void removeGroupsOf(String runId) throws Exception {
        List<Path> left = null;
        for (int attempt = 0; left == null; attempt++) {
            try (Stream<Path> walk = Files.walk(Path.of("/sys/fs/cgroup"), 5)) {
                left = walk.filter(p -> p.getFileName() != null && p.getFileName().toString().endsWith(runId))
                        .sorted(Comparator.reverseOrder()).toList();
            } catch (UncheckedIOException goneMeanwhile) {
                if (attempt == 5) {
                    throw goneMeanwhile; // other suites' groups come and go while this walks
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Path group : left) {
            while (Files.exists(group)) {
                try {
                    Files.delete(group);
                } catch (IOException busy) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the stuck process did not end once its filesystem was gone: " + group);
                    }
                    Thread.sleep(50);
                }
            }
        }
    }
}
