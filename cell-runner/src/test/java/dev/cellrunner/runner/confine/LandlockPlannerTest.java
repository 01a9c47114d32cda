package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.FilesystemAuthority;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.cellrunner.runner.confine.LandlockAccess.EXEC;
import static dev.cellrunner.runner.confine.LandlockAccess.EXECUTE;
import static dev.cellrunner.runner.confine.LandlockAccess.READ;
import static dev.cellrunner.runner.confine.LandlockAccess.READ_DIR;
import static dev.cellrunner.runner.confine.LandlockAccess.READ_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LandlockPlannerTest {
    @TempDir
    Path root;

    @Test
    void filesystemRulesOnAKernelWithoutLandlockAreRefused() {
        FilesystemAuthority fs = new FilesystemAuthority(List.of("/usr"), null, null);
        assertThatThrownBy(() -> plan(fs, List.of(), 0, List.of()))
                .isInstanceOf(Refusal.class).hasMessageContaining("authority.filesystem")
                .hasMessageContaining("no landlock");
    }

    @Test
    void withoutLandlockAndWithoutFilesystemRulesThereIsNoDomain() throws Exception {
        assertThat(LandlockPlanner.plan(null, List.of(), Optional.empty(), mounts(), 0, List.of())).isEmpty();
    }

    @Test
    void handlesEveryRightTheAbiOffers() throws Exception {
        assertThat(LandlockAccess.filesystem(1)).isEqualTo(0x1fffL);
        assertThat(LandlockAccess.filesystem(2)).isEqualTo(0x3fffL);
        assertThat(LandlockAccess.filesystem(4)).isEqualTo(0x7fffL);
        assertThat(LandlockAccess.filesystem(7)).isEqualTo(0xffffL);
        assertThat(plan(null, List.of(), 3, List.of()).handledFs()).isEqualTo(0x7fffL);
        assertThat(plan(null, List.of(), 3, List.of()).scoped()).isZero();
        assertThat(plan(null, List.of(), 6, List.of()).scoped()).isEqualTo(3);
    }

    @Test
    void tcpConnectIsLimitedToDeclaredTcpPortsFromAbi4() throws Exception {
        List<EgressRule> egress = List.of(new EgressRule("198.51.100.10", 443, Protocol.TCP),
                new EgressRule("198.51.100.11", 53, Protocol.UDP), new EgressRule("198.51.100.12", 443, null));
        assertThat(plan(null, egress, 3, List.of()).handledNet()).isZero();
        LandlockPlan plan = plan(null, egress, 4, List.of());
        assertThat(plan.handledNet()).isEqualTo(LandlockAccess.NET_BIND_TCP | LandlockAccess.NET_CONNECT_TCP);
        assertThat(plan.tcpConnectPorts()).containsExactly(443);
        assertThat(plan.tcpBindPorts()).as("no bind at all without names").isEmpty();
        assertThat(plan(null, List.of(), 7, List.of()).handledNet()).isZero();
    }

    @Test
    void aCellWithNamesMayConnectToPort53AndBindOnlyAnEphemeralPort() throws Exception {
        List<EgressRule> egress = List.of(new EgressRule("*.example.com", 443, Protocol.TCP));
        LandlockPlan plan = plan(null, egress, 4, List.of());
        assertThat(plan.tcpConnectPorts()).containsExactly(53, 443);
        assertThat(plan.tcpBindPorts()).containsExactly(0);
        assertThat(plan(null, egress, 3, List.of()).tcpBindPorts()).as("no network rights before ABI 4").isEmpty();
    }

    @Test
    void declaredPathsGetTheirRightsAndFilesOnlyFileRights() throws Exception {
        Path data = Files.createDirectory(root.resolve("data"));
        Path tool = Files.createFile(root.resolve("tool"));
        FilesystemAuthority fs = new FilesystemAuthority(List.of(data.toString()), null, List.of(tool.toString()));
        LandlockPlan plan = plan(fs, List.of(), 7, List.of());
        assertThat(plan.rules()).contains(new LandlockRule(data.toRealPath(), EXEC, "authority.filesystem.readOnly"),
                new LandlockRule(tool.toRealPath(), READ_FILE | EXECUTE, "authority.filesystem.exec"));
    }

    @Test
    void aDeclaredPathThatDoesNotExistIsRefused() {
        FilesystemAuthority fs = new FilesystemAuthority(List.of(root.resolve("missing").toString()), null, null);
        assertThatThrownBy(() -> plan(fs, List.of(), 7, List.of())).isInstanceOf(Refusal.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void baselineHoldsTheExecutableChainDevicesTempSpaceAndInit() throws Exception {
        FilesystemAuthority fs = new FilesystemAuthority(null, null, null);
        Path sh = Path.of("/bin/sh");
        LandlockPlan plan = LandlockPlanner.plan(fs, List.of(), Optional.of(sh), mounts(), 7, List.of())
                .orElseThrow();
        assertThat(plan.rules()).anySatisfy(rule -> {
            assertThat(rule.path()).isEqualTo(sh.toRealPath());
            assertThat(rule.access()).isEqualTo(READ_FILE | EXECUTE);
        });
        Path loader = ExecutableChain.elfInterpreter(sh).orElseThrow().toRealPath();
        assertThat(plan.rules()).extracting(LandlockRule::path).contains(loader, Path.of("/dev/null"),
                Path.of("/dev/urandom"), Path.of("/bin/true").toRealPath());
        assertThat(plan.rules()).extracting(LandlockRule::path).doesNotContain(Path.of("/"), Path.of("/etc"),
                Path.of("/proc"));
        // the cell's own tmpfs exists only in its mount view: its rules are added on the launch thread
        assertThat(plan.launchRules()).extracting(LandlockPlan.LaunchRule::path)
                .containsExactly(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/dev/shm"));
        assertThat(plan.launchRules()).allSatisfy(rule -> {
            assertThat(rule.access() & LandlockAccess.WRITE_FILE).isNotZero();
            assertThat(rule.access() & EXECUTE).isZero();
            assertThat(rule.declaredIndex()).isEqualTo(-1);
        });
    }

    @Test
    void scriptsBringTheirInterpreter() throws Exception {
        Path script = Files.writeString(root.resolve("run.sh"), "#!/bin/sh -e\necho hi\n");
        List<Path> chain = ExecutableChain.of(script);
        assertThat(chain).startsWith(script, Path.of("/bin/sh"));
        assertThat(chain).hasSize(3); // and the dynamic loader of /bin/sh
    }

    @Test
    void aReadRuleIsCarvedAroundPrivateFiles() throws Exception {
        Path dir = Files.createDirectories(root.resolve("state/cell-runner"));
        Path trail = Files.createFile(dir.resolve("events.jsonl"));
        Files.createFile(dir.resolve("notes.txt"));
        Files.createDirectory(root.resolve("other"));
        Files.createSymbolicLink(root.resolve("link"), dir);
        Path base = root.toRealPath();
        List<LandlockRule> carved = LandlockPlanner.carve(List.of(new LandlockRule(base, EXEC, "test")),
                List.of(trail.toRealPath()));
        String source = "test except " + trail.toRealPath();
        assertThat(carved).containsExactlyInAnyOrder(
                new LandlockRule(base, READ_DIR, source, true),
                new LandlockRule(base.resolve("other"), EXEC, source, true),
                new LandlockRule(base.resolve("state"), READ_DIR, source, true),
                new LandlockRule(base.resolve("state/cell-runner"), READ_DIR, source, true),
                new LandlockRule(base.resolve("state/cell-runner/notes.txt"), READ_FILE | EXECUTE, source, true));
    }

    @Test
    void aWriteRuleOverAPrivateFileIsRefused() throws Exception {
        Path trail = Files.createFile(root.resolve("events.jsonl"));
        FilesystemAuthority fs = new FilesystemAuthority(null, List.of(root.toString()), null);
        assertThatThrownBy(() -> plan(fs, List.of(), 7, List.of(trail))).isInstanceOf(Refusal.class)
                .hasMessageContaining("authority.filesystem.readWrite").hasMessageContaining("events.jsonl");
    }

    @Test
    void aRuleNamingAPrivateFileIsRefused() throws Exception {
        Path trail = Files.createFile(root.resolve("events.jsonl"));
        FilesystemAuthority fs = new FilesystemAuthority(List.of(trail.toString()), null, null);
        assertThatThrownBy(() -> plan(fs, List.of(), 7, List.of(trail))).isInstanceOf(Refusal.class);
    }

    @Test
    void theDefaultIsAReadOnlyHostWhoseRootIsNotCarved() throws Exception {
        Path trail = Files.createFile(root.resolve("events.jsonl")).toRealPath();
        LandlockPlan plan = plan(null, List.of(), 7, List.of(trail));
        assertThat(plan.declared()).isFalse();
        // the mount view masks the trail; a carved "/" would leave the cell's own /proc without any rule
        assertThat(plan.rules()).contains(new LandlockRule(Path.of("/"), EXEC, LandlockPlanner.DEFAULT_SOURCE));
        assertThat(plan.rules()).noneMatch(LandlockRule::carved);
        assertThat(plan.carvedFrom(new LandlockRule(Path.of("/"), EXEC, LandlockPlanner.DEFAULT_SOURCE)))
                .as("the confinement event names no exception of the uncarved root").isEmpty();
        assertThat(plan.rules()).noneMatch(rule -> (rule.access() & LandlockAccess.MODIFY) != 0
                && !rule.path().equals(Path.of("/dev/null")));
        assertThat(plan.privatePaths()).as("still probed: landlock or the mount view must show nothing there")
                .containsExactly(trail);
        assertThat(plan.launchRules()).as("nothing carved, nothing added on the cell's side")
                .allMatch(rule -> rule.source().equals(LandlockPlanner.TEMP_SOURCE));
    }

    @Test
    void declaredRulesOnProcNameTheCellsOwnProcAndHavePid1MakeTheDomain() throws Exception {
        FilesystemAuthority fs = new FilesystemAuthority(List.of("/proc", "/proc/self/../cpuinfo", root.toString()),
                null, null);
        LandlockPlan plan = plan(fs, List.of(), 7, List.of());
        assertThat(plan.madeByPid1()).isTrue();
        assertThat(plan.procRules()).as("taken as written, not resolved in the runner's own /proc")
                .extracting(LandlockPlan.LaunchRule::path)
                .containsExactly(Path.of("/proc"), Path.of("/proc/cpuinfo"));
        assertThat(plan.procRules().get(1).access()).as("a file: no directory rights, which landlock refuses on one")
                .isEqualTo(EXEC & LandlockAccess.FILE_RIGHTS);
        assertThat(plan.rules()).as("no rule on the host's /proc is made ahead")
                .noneMatch(rule -> rule.path().startsWith("/proc"));
        assertThat(plan.pid1Probe()).as("PID 1 probes that its domain refuses what no rule grants").contains(Path.of("/"));

        assertThat(plan(new FilesystemAuthority(List.of(root.toString()), null, null), List.of(), 7, List.of())
                .madeByPid1()).as("without a rule on /proc the launch thread makes the domain").isFalse();
        assertThat(plan(null, List.of(), 7, List.of()).madeByPid1()).as("the read-only host's / reaches its /proc")
                .isFalse();
    }

    @Test
    void aDeclaredProcPathOfAProcessTheCellDoesNotHaveYetIsRefused() {
        for (String path : List.of("/proc/self", "/proc/thread-self/status", "/proc/2/environ")) {
            assertThatThrownBy(() -> plan(new FilesystemAuthority(List.of(path), null, null), List.of(), 7, List.of()))
                    .as(path).isInstanceOf(Refusal.class).hasMessageContaining("declare /proc");
        }
    }

    @Test
    void aDeclaredRuleIsCarvedAroundPrivatePaths() throws Exception {
        Path trail = Files.createFile(root.resolve("events.jsonl")).toRealPath();
        FilesystemAuthority fs = new FilesystemAuthority(List.of(root.toString()), null, null);
        LandlockPlan plan = plan(fs, List.of(), 7, List.of(trail));
        assertThat(plan.rules()).noneMatch(rule -> trail.startsWith(rule.path()) && (rule.access() & ~READ_DIR) != 0);
        assertThat(plan.rules()).contains(new LandlockRule(root.toRealPath(), READ_DIR,
                "authority.filesystem.readOnly except " + trail, true));
        assertThat(plan.carvedFrom(new LandlockRule(root.toRealPath(), EXEC, "authority.filesystem.readOnly")))
                .containsExactly(trail);
    }

    @Test
    void aCarvedRuleStillCoversTheCellsOwnMountsBelowIt() throws Exception {
        Path trail = Files.createFile(root.resolve("events.jsonl")).toRealPath();
        FilesystemAuthority fs = new FilesystemAuthority(List.of("/"), null, null);
        LandlockPlan plan = plan(fs, List.of(), 7, List.of(trail));
        String declared = "authority.filesystem.readOnly";
        // landlock skips the host's /run and /dev under these mounts: only rules on the cell's side reach them
        assertThat(plan.launchRules()).contains(
                new LandlockPlan.LaunchRule(Path.of("/run"), EXEC, declared, -1),
                new LandlockPlan.LaunchRule(Path.of("/dev"), EXEC, declared, -1));
        assertThat(plan.launchRules()).filteredOn(rule -> rule.source().equals(declared))
                .as("none on a fresh mount holding a private path, none on /proc")
                .noneMatch(rule -> trail.startsWith(rule.path()))
                .noneMatch(rule -> rule.path().equals(Path.of("/proc")));
    }

    private LandlockPlan plan(FilesystemAuthority fs, List<EgressRule> egress, int abi, List<Path> privates)
            throws Refusal {
        return LandlockPlanner.plan(fs, egress, Optional.empty(), mounts(), abi, privates).orElseThrow();
    }

    /** A cell's mount view with nothing declared; /var/tmp is a directory on this "host". */
    private static MountPlan mounts() {
        return new MountPlan(1L << 30, "default", Path.of("/bin/true"), List.of(), List.of(), List.of(), Set.of("/var/tmp"));
    }
}
