package dev.cellrunner.conformance.egress;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.Await;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.Trail;
import dev.cellrunner.conformance.harness.TrailVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner stopped from outside while its cell runs: told to stop (SIGTERM, what a service manager
 * or CI job cancel sends) it must end the cell and still close the trail; killed (SIGKILL) it cannot,
 * and {@code cell-runner gc} must clean up what it left. The cell has an uplink, limits and a private
 * temp dir, and forks a grandchild that leaves its session and ignores SIGTERM, so every kind of
 * leftover is there to be found. Runs in the egress test network ({@link EgressTestNet}).
 */
@ContractSection("§2 lifecycle: the runner stopped (SIGTERM) or killed (SIGKILL), and gc")
class RunnerStopTest extends EgressNetCase {
    private String marker;

    /** Runs before the leftover check of {@link EgressNetCase}: whatever the runner let escape is killed. */
    @AfterEach
    void killWhatEscaped() {
        if (marker != null) {
            Proc.killProcessesWithMarker(marker);
        }
    }

    /** What the case saw of its cell while the runner still ran. */
    private record RunningCell(EgressCellRun.Started started, long grandchild, List<Path> cgroups, Path hostTempFile,
                               String hostInterface) {
    }

    @Test
    @DisplayName("SIGTERM to the runner while its cell runs a grandchild that ignores SIGTERM: no process of the cell is left, nothing on the host, the trail ends with completed and destroyed(failed, forced, reason) and verifies")
    void aRunnerToldToStopEndsItsCellAndClosesTheTrail() throws Exception {
        KeyFiles keys = net.keygen("keys-term");
        RunningCell cell = startCell("term", keys);

        cell.started().process().destroy();
        assertThat(cell.started().process().waitFor(30, TimeUnit.SECONDS)).as("the runner ended after SIGTERM").isTrue();

        assertNoProcessOfTheCellIsLeft();
        cell.cgroups().forEach(group -> assertThat(group).as("a cgroup of the cell").doesNotExist());
        assertThat(cell.hostTempFile()).as("what the cell wrote to its $TMPDIR, on the host").doesNotExist();
        Trail trail = Trail.read(cell.started().events());
        assertThat(trail.shortTypes()).as("the trail of the stopped run").endsWith("completed", "destroyed");
        JsonNode destroyed = trail.events().get(trail.events().size() - 1).data();
        assertThat(destroyed.path("outcome").asText()).as("destroyed: %s", destroyed).isEqualTo("failed");
        assertThat(destroyed.path("terminalState").asText()).as("destroyed: %s", destroyed).isEqualTo("forced");
        assertThat(destroyed.path("reason").asText()).as("destroyed says why: %s", destroyed).isNotBlank();
        EgressTestNet.Result verify = net.verify(cell.started().events(), keys);
        assertThat(verify.exitCode()).as("verify --key\n%s", verify.stdout()).isZero();
        assertThat(TrailVerifier.problems(trail.events(), KeyFiles.rawPublicKey(keys.publicKey()))).isEmpty();
    }

    @Test
    @DisplayName("SIGKILL to the runner: no process of its cell outlives it by more than 1 s; cell-runner gc removes the rest (v2 leaf, v1 groups, veth, nft tables, forwarding); nothing of the cell's temp space is on the host; verify reports the run incomplete, not tampered")
    void gcCleansUpAfterAKilledRunner() throws Exception {
        KeyFiles keys = net.keygen("keys-kill");
        RunningCell cell = startCell("kill", keys);
        assertThat(net.inHost("ip", "-br", "link")).as("the uplink before the kill").contains(cell.hostInterface());

        cell.started().process().destroyForcibly();
        assertThat(cell.started().process().waitFor(30, TimeUnit.SECONDS)).as("the runner died").isTrue();
        long died = System.nanoTime();
        // the cell's PID 1 has a parent-death signal: the kernel ends the cell with its runner, before any gc
        Await.until(Duration.ofSeconds(5), "the cell's processes to end with their runner",
                () -> Proc.processesWithMarker(marker).isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - died)).as("how long the cell outlived its killed runner")
                .isLessThanOrEqualTo(Duration.ofSeconds(1));
        EgressTestNet.Result gc = EgressTestNet.exec(List.of("nsenter", "--net=/run/netns/" + net.hostNs,
                net.runner.toString(), "gc"), Map.of(), null, 60);

        assertThat(gc.exitCode()).as("gc\n%s\n%s", gc.stdout(), gc.stderr()).isZero();
        assertNoProcessOfTheCellIsLeft();
        cell.cgroups().forEach(group -> assertThat(group).as("a cgroup of the cell after gc\n%s", gc.stdout()).doesNotExist());
        assertThat(cell.hostTempFile()).as("what the cell wrote to its $TMPDIR, on the host, after gc\n%s", gc.stdout())
                .doesNotExist();
        // the veth goes with the cell's namespace once its last process is killed, or gc removes it
        net.assertNoLeftovers(runnerNames);
        Trail trail = Trail.read(cell.started().events());
        assertThat(trail.shortTypes()).as("the killed run's trail").doesNotContain("destroyed").isNotEmpty();
        assertThat(TrailVerifier.problems(trail.events(), KeyFiles.rawPublicKey(keys.publicKey())))
                .as("the events the runner wrote before it died are signed and chained; only the end is missing")
                .containsExactly("the run does not end with destroyed");
        EgressTestNet.Result verify = net.verify(cell.started().events(), keys);
        assertThat(verify.exitCode()).as("verify of an incomplete run\n%s", verify.stdout()).isNotZero();
        assertThat(verify.stdout()).as("verify's verdict").containsIgnoringCase("incomplete")
                .doesNotContainPattern("(?i)\\b(bad|tamper\\w*|forged|invalid)\\b");
    }

    /**
     * On SIGTERM the run still reads the cell's ruleset back before its network is released, so the
     * trail says whether the cell tried to reach anything before it was stopped.
     */
    @Test
    @DisplayName("SIGTERM to the runner: network_enforcement of the stopped run still reads the cell's counters")
    void aStoppedRunStillReportsItsCounters() throws Exception {
        EgressCellRun.Started started = new EgressCellRun(net).then("echo STARTED; sleep 60").start();
        Await.until(Duration.ofSeconds(60), "the cell to start", () -> readQuietly(started.out()).contains("STARTED"));
        started.process().destroy();
        assertThat(started.process().waitFor(30, TimeUnit.SECONDS)).as("the runner ended after SIGTERM").isTrue();

        EgressCellRun.Outcome outcome = new EgressCellRun.Outcome(143, readQuietly(started.out()), readQuietly(started.err()),
                EgressCellRun.readEvents(started.events()));
        record(outcome);
        JsonNode enforcement = outcome.data("network_enforcement");
        assertThat(enforcement.has("counterFailure")).as("counterFailure in %s", enforcement).isFalse();
        assertThat(enforcement.path("droppedPackets").isNumber()).as("droppedPackets in %s", enforcement).isTrue();
    }

    /**
     * Starts a cell with an uplink, limits and a writable directory, whose grandchild leaves the session
     * and ignores SIGTERM; returns once that grandchild runs, with the cell's cgroups and temp file as the
     * host sees them.
     */
    private RunningCell startCell(String name, KeyFiles keys) throws Exception {
        marker = "crconf-" + UUID.randomUUID().toString().substring(0, 12);
        Path dir = net.cellDir(name);
        Path grandchildPid = dir.resolve("grandchild.pid");
        String grandchild = "echo $$ > " + grandchildPid + "; trap '' TERM; exec -a " + marker + "-grandchild sleep 120";
        EgressCellRun.Started started = new EgressCellRun(net).allow(V4, ECHO, "tcp").writable(dir)
                .limit("pidsMax", 64).limit("memoryMaxBytes", 256L * 1024 * 1024).signedWith(keys.privateKey())
                .then("echo \"$TMPDIR\" > " + dir.resolve("tmpdir") + "; echo temp > \"$TMPDIR/" + marker + "\"")
                .then("( setsid /bin/bash -c \"" + grandchild + "\" & ); trap '' TERM")
                .then("while [ ! -s " + grandchildPid + " ]; do sleep 0.05; done; exec -a " + marker + "-child sleep 120")
                .start();
        Await.value(Duration.ofSeconds(60), "the grandchild to be born", () -> {
            if (!started.process().isAlive()) {
                throw new AssertionError("the runner ended before the grandchild was born: " + readQuietly(started.err()));
            }
            return Files.exists(grandchildPid) ? Optional.of(Long.parseLong(readQuietly(grandchildPid).strip()))
                    : Optional.empty();
        });
        started.awaitEvent("observability.v1.network_policy");
        List<JsonNode> events = EgressCellRun.readEvents(started.events());
        EgressCellRun.Outcome soFar = new EgressCellRun.Outcome(-1, "", "", events);
        record(soFar);
        Await.until(Duration.ofSeconds(10), "the cell's child and grandchild to run",
                () -> Proc.processesNamed(marker + "-child").size() == 1
                        && Proc.processesNamed(marker + "-grandchild").size() == 1);
        // the pid the grandchild wrote is its pid in the cell's own PID namespace; the host knows it by another
        long pid = Proc.processesNamed(marker + "-grandchild").stream()
                .map(line -> Long.parseLong(line.substring(0, line.indexOf(':')))).findFirst().orElseThrow();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the grandchild runs").contains(true);
        List<Path> cgroups = Proc.ownCgroupDirectories(pid);
        assertThat(cgroups).as("the cell's own cgroups, from /proc/%d/cgroup", pid).isNotEmpty();
        // $TMPDIR is the cell's own /tmp, a tmpfs of its mount namespace: nothing of it is on the host
        assertThat(readQuietly(dir.resolve("tmpdir")).strip()).as("the cell's TMPDIR").isEqualTo("/tmp");
        Path hostTempFile = Path.of("/tmp", marker);
        assertThat(hostTempFile).as("the file the cell wrote to its TMPDIR, looked for on the host").doesNotExist();
        return new RunningCell(started, pid, cgroups, hostTempFile, soFar.hostInterface());
    }

    private void assertNoProcessOfTheCellIsLeft() {
        try {
            Await.until(Duration.ofSeconds(5), "the cell's processes to be gone", () -> Proc.processesWithMarker(marker).isEmpty());
        } catch (AssertionError stillThere) {
            assertThat(Proc.processesWithMarker(marker)).as("processes of the cell left").isEmpty();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
