package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.CellHold;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who the workload is: by default an unprivileged uid allocated to the cell, never the host's root
 * unless the runner was started with --allow-root-cells. Each case runs its runner with a uid range
 * and state directory of its own, so suites running at once never compete for the same uids.
 */
@ContractSection("§1 identity (run.user, run.group, allocated uids, --allow-root-cells)")
@ExtendWith(HarnessExtension.class)
class IdentityTest {
    /** What the cell says about itself, and whether NSS knows its uid and gid. */
    private static final String WHO = "echo \"uid=$(id -u) gid=$(id -g) groups=$(id -G)\"; "
            + "getent passwd $(id -u) >/dev/null && echo ACCOUNT-KNOWN || echo NO-ACCOUNT; "
            + "getent group $(id -g) >/dev/null && echo GROUP-KNOWN || echo NO-GROUP";

    /** A range of 4 uids far above any account, picked per case. */
    private static int[] privateRange() {
        int first = 700_000 + 4 * ThreadLocalRandom.current().nextInt(50_000);
        return new int[] {first, first + 3};
    }

    private static RunnerCall withOwnUids(RunnerCall call, Harness h, int[] range) {
        return call.env("CELL_RUNNER_STATE_DIR", h.file("state").toString())
                .env("CELL_RUNNER_UID_RANGE", range[0] + "-" + range[1]);
    }

    @Test
    @DisplayName("by default the workload runs as a uid of the runner's range that no account or group has, and the event says so")
    void theDefaultIdentityIsAnAllocatedUnprivilegedUid(Harness h) {
        Kernel.requireNetworkNamespaces();
        int[] range = privateRange();
        CellHold hold = h.hold("cell");
        RunningRunner running = h.start(withOwnUids(RunnerCall.run(h.writeSpec(
                Spec.shell("crconf-identity", WHO + "; " + hold.script()).writable(h.cellDir()))), h, range));
        long pid = hold.awaitPid(running);
        String hostView = Proc.status(pid).get("Uid");
        hold.release();
        RunResult result = running.awaitExit();

        assertThat(result.exitCode()).as(result.describe()).isZero();
        String[] who = result.stdoutText().lines().findFirst().orElseThrow().split(" ");
        int uid = Integer.parseInt(who[0].substring(4));
        assertThat(uid).as(result.stdoutText()).isBetween(range[0], range[1]);
        assertThat(who[1]).isEqualTo("gid=" + uid);
        assertThat(who[2]).isEqualTo("groups=" + uid);
        assertThat(result.stdoutText()).contains("NO-ACCOUNT", "NO-GROUP");
        assertThat(hostView.split("\\s+")).as("Uid of /proc/%d/status, read by the host", pid)
                .containsOnly(Integer.toString(uid));
        JsonNode identity = result.trail().data(EventType.CONFINEMENT).path("identity");
        assertThat(identity.path("requested").path("source").asText()).isEqualTo("allocated");
        assertThat(identity.path("requested").path("uid").asInt()).isEqualTo(uid);
        assertThat(identity.path("observed").path("uid").asText()).isEqualTo(String.join(" ",
                List.of(who[0].substring(4), who[0].substring(4), who[0].substring(4), who[0].substring(4))));
        assertThat(identity.path("enforced").asBoolean()).isTrue();

        // control: the same probe sees root when root is asked for and allowed
        RunResult root = h.call(withOwnUids(RunnerCall.run(h.writeSpec(Spec.shell("crconf-identity-root", WHO)
                .user("root"))).options("--allow-root-cells"), h, range));
        assertThat(root.exitCode()).as(root.describe()).isZero();
        assertThat(root.stdoutText()).startsWith("uid=0 gid=0 groups=0").contains("ACCOUNT-KNOWN");
    }

    @Test
    @DisplayName("cells running at once get different uids; when the range is used up the next cell is refused (69)")
    void liveCellsNeverShareAUid(Harness h) {
        Kernel.requireNetworkNamespaces();
        int[] range = privateRange();
        range[1] = range[0] + 1;
        CellHold first = h.hold("first");
        CellHold second = h.hold("second");
        RunningRunner a = h.start(withOwnUids(RunnerCall.run(h.writeSpec(Spec.shell("crconf-uid-a",
                "id -u; " + first.script()).writable(h.cellDir()))), h, range));
        RunningRunner b = h.start(withOwnUids(RunnerCall.run(h.writeSpec(Spec.shell("crconf-uid-b",
                "id -u; " + second.script()).writable(h.cellDir()))), h, range));
        long pidA = first.awaitPid(a);
        long pidB = second.awaitPid(b);
        String uidA = Proc.status(pidA).get("Uid").split("\\s+")[0];
        String uidB = Proc.status(pidB).get("Uid").split("\\s+")[0];
        RunResult third = h.call(withOwnUids(RunnerCall.run(h.writeSpec(Spec.shell("crconf-uid-c", "echo RAN"))),
                h, range));
        first.release();
        second.release();
        RunResult resultA = a.awaitExit();
        RunResult resultB = b.awaitExit();

        assertThat(resultA.exitCode()).as(resultA.describe()).isZero();
        assertThat(resultB.exitCode()).as(resultB.describe()).isZero();
        assertThat(List.of(uidA, uidB)).containsExactlyInAnyOrder(Integer.toString(range[0]), Integer.toString(range[1]));
        assertThat(third.exitCode()).as(third.describe()).isEqualTo(69);
        assertThat(third.stdoutText()).doesNotContain("RAN");
        assertThat(third.stderr()).contains("run.user", range[0] + "-" + range[1]);
        // once both ended their uids are free again
        RunResult after = h.call(withOwnUids(RunnerCall.run(h.writeSpec(Spec.shell("crconf-uid-d", "id -u"))), h, range));
        assertThat(after.exitCode()).as(after.describe()).isZero();
    }

    @Test
    @DisplayName("a document that asks for root is refused (69, naming --allow-root-cells) unless the runner allows it")
    void rootNeedsTheRunnersConsent(Harness h) {
        Kernel.requireNetworkNamespaces();
        for (String root : List.of("root", "0")) {
            RunResult refused = h.run(Spec.shell("crconf-root-" + root, "echo RAN; id -u").user(root));
            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(69);
            assertThat(refused.stdoutText()).doesNotContain("RAN");
            assertThat(refused.stderr()).contains("run.user", "--allow-root-cells");
            assertThat(refused.trail().data(EventType.CONFINEMENT).path("refused").path("reason").asText())
                    .contains("--allow-root-cells");
            assertThat(refused.trail().data(EventType.DESTROYED).path("outcome").asText()).isEqualTo("refused");

            RunResult allowed = h.call(RunnerCall.run(h.writeSpec(Spec.shell("crconf-root-ok-" + root, "echo RAN; id -u")
                    .user(root))).options("--allow-root-cells"));
            assertThat(allowed.exitCode()).as(allowed.describe()).isZero();
            assertThat(allowed.stdoutText()).isEqualTo("RAN\n0\n");
        }
    }

    @Test
    @DisplayName("a readWrite path the cell's identity cannot write is refused (69, naming path and owner) and never chowned")
    void aPathTheIdentityCannotWriteIsRefusedNotChowned(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        Path closed = Files.createDirectories(h.file("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwxr-xr-x"));
        RunResult refused = h.run(Spec.shell("crconf-rw-closed", "echo RAN > " + closed + "/out")
                .filesystem(ConfinementTest.systemReadOnly(), List.of(closed.toString())));
        assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(69);
        assertThat(refused.stderr()).contains(closed.toString(), "owner 0:0", "never changes ownership");
        assertThat(Files.getAttribute(closed, "unix:uid")).isEqualTo(0);
        assertThat(closed.resolve("out")).doesNotExist();

        // control: the same document on a directory anyone may write to runs and writes as the cell's uid
        Path open = Files.createDirectories(h.file("open"));
        Files.setAttribute(open, "unix:mode", 01777);
        RunResult written = h.run(Spec.shell("crconf-rw-open", "echo RAN > " + open + "/out")
                .filesystem(ConfinementTest.systemReadOnly(), List.of(open.toString())));
        assertThat(written.exitCode()).as(written.describe()).isZero();
        assertThat(open.resolve("out")).hasContent("RAN");
        assertThat((Integer) Files.getAttribute(open.resolve("out"), "unix:uid")).isNotZero();
    }
}
