package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.KernelRuleset;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.cell.LaunchThread;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.ScratchNetns;
import dev.cellrunner.runner.os.Syscalls;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CellNetwork in-process on the real kernel, between scratch namespaces: the "runner" namespace (the
 * thread that sets the cell up lives there, and the host side lands there) and the cell's (a launch
 * thread's). What is in place is read from outside with ip and nft through nsenter. As in a runner, the
 * runner namespace's libnftables session lives as long as this JVM, and with it that namespace.
 */
class CellNetworkKernelTest {
    private static final List<PinnedRule> RULES = pin(List.of(new EgressRule("198.51.100.10", 443, Protocol.TCP),
            new EgressRule("2001:db8::10", 53, Protocol.UDP)));
    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final List<LaunchThread> cells = new ArrayList<>();
    @TempDir
    Path state;
    private ScratchNetns runner;

    @BeforeEach
    void runnerNamespace() throws Exception {
        runner = ScratchNetns.create("np-runner");
    }

    @AfterEach
    void end() throws Exception {
        for (LaunchThread cell : cells) {
            cell.close();
        }
        CellNetwork.awaitTeardowns(Duration.ofSeconds(30));
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void aRehearsalRunsInTheThreadsOwnNamespaceAndLeavesNothingWhereItStarted() throws Exception {
        String before = runner.outside("nft", "list", "tables");
        String[] seen = new String[2];
        Throwable[] failure = new Throwable[1];
        long pid = ProcessHandle.current().pid();
        // A thread of its own, as in a one-shot runner; started from the "runner" namespace, it begins there.
        Thread rehearsal = runner.call(() -> {
            Thread thread = new Thread(() -> {
                try {
                    seen[0] = NetworkNamespace.identityOf(pid, Syscalls.gettid());
                    CellNetwork.rehearse();
                    seen[1] = NetworkNamespace.identityOf(pid, Syscalls.gettid());
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            thread.start();
            return thread;
        });
        rehearsal.join();
        assertThat(failure[0]).as("the rehearsal ran through").isNull();
        assertThat(seen[0]).as("the thread began in the runner namespace").isEqualTo(
                NetworkNamespace.identityOf(pid, runner.call(Syscalls::gettid)));
        assertThat(seen[1]).as("the rehearsing thread ended in a namespace of its own").isNotEqualTo(seen[0]);
        assertThat(runner.outside("nft", "list", "tables")).as("nothing was added where the thread started")
                .isEqualTo(before);
        assertThat(logs).isEmpty();
    }

    @Test
    void theUplinkIsInPlaceAsReportedAndGoneAfterClose() throws Exception {
        LaunchThread cell = cell();
        CellNetwork network = setUp(cell);
        NetworkSetup setup = network.setup();
        NetworkSetup.Uplink uplink = setup.uplink();
        assertThat(setup.nftRulesApplied()).isTrue();
        assertThat(setup.supplementaryFilter()).isTrue();
        String inCell = "/proc/" + ProcessHandle.current().pid() + "/task/" + cell.tid() + "/ns/net";

        assertThat(nsenter(inCell, "ip", "-br", "addr", "show", "dev", "eth0")).contains("UP")
                .contains(uplink.cellAddresses());
        assertThat(nsenter(inCell, "ip", "route", "show", "default")).startsWith("default via " + uplink.gateways().get(0));
        assertThat(nsenter(inCell, "ip", "-6", "route", "show", "default"))
                .startsWith("default via " + uplink.gateways().get(1));
        assertThat(KernelRuleset.parse(nsenter(inCell, "nft", "-j", "list", "ruleset")).digest())
                .as("the digest is the one of what the kernel holds").isEqualTo(setup.rulesetDigest());
        assertThat(runner.outside("ip", "-br", "link", "show", "dev", uplink.hostInterface())).contains("UP");
        assertThat(runner.outside("nft", "list", "tables")).contains("table inet " + setup.table());
        assertThat(runner.outside("cat", "/proc/sys/net/ipv4/ip_forward").trim()).isEqualTo("1");

        cell.close();
        NetworkEnforcement after = runner.call(network::observeAfterRun);
        assertThat(after.failure()).isNull();
        assertThat(after.rulesetUnchanged()).isTrue();
        assertThat(after.hostDroppedPackets()).isZero();

        close(network);
        assertThat(runner.outside("ip", "-br", "link")).doesNotContain(uplink.hostInterface());
        assertThat(runner.outside("nft", "list", "tables")).doesNotContain(setup.table());
        assertThat(runner.outside("cat", "/proc/sys/net/ipv4/ip_forward").trim()).isEqualTo("0");
        assertThat(runner.outside("cat", "/proc/sys/net/ipv6/conf/all/forwarding").trim()).isEqualTo("0");
        assertThat(logs).isEmpty();
    }

    @Test
    void leftoversOfADeadRunnerWithOurPidAreReplacedNotMergedInto() throws Exception {
        CellNetwork first = setUp(cell());
        String table = first.setup().table();
        close(first);
        int next = Integer.parseInt(table.substring(table.lastIndexOf('_') + 1)) + 1;
        long pid = ProcessHandle.current().pid();
        String staleTable = "cellrunner_" + pid + "_" + next;
        String staleVeth = "cr" + pid + "-" + next;
        runner.outside("nft", "add", "table", "inet", staleTable);
        runner.outside("nft", "add", "chain", "inet", staleTable, "stale", "{ type filter hook forward priority 0; }");
        runner.outside("ip", "link", "add", staleVeth, "type", "veth", "peer", "name", "np-stale0");

        CellNetwork second = setUp(cell());
        assertThat(second.setup().table()).isEqualTo(staleTable);
        assertThat(second.setup().supplementaryFilter()).isTrue();
        assertThat(logs).anyMatch(line -> line.contains("replacing nft table inet " + staleTable))
                .anyMatch(line -> line.contains("removing " + staleVeth));
        assertThat(runner.outside("nft", "list", "table", "inet", staleTable)).doesNotContain("stale");
        assertThat(runner.outside("ip", "-br", "link")).contains(staleVeth).doesNotContain("np-stale0");

        close(second);
        assertThat(runner.outside("ip", "-br", "link")).doesNotContain(staleVeth);
        assertThat(runner.outside("nft", "list", "tables")).isBlank();
    }

    private CellNetwork setUp(LaunchThread cell) throws Exception {
        Map<String, String> env = Map.of("CELL_RUNNER_STATE_DIR", state.toString());
        return runner.call(() -> CellNetwork.setUp(cell::submit, cell.tid(), RULES, env, logs::add));
    }

    private void close(CellNetwork network) throws Exception {
        runner.call(() -> {
            network.close();
            return null;
        });
        assertThat(CellNetwork.awaitTeardowns(Duration.ofSeconds(30))).isTrue();
    }

    /** A launch thread in a fresh namespace, as CellRun makes one. */
    private LaunchThread cell() throws Exception {
        LaunchThread cell = LaunchThread.start("np-cell");
        cells.add(cell);
        cell.call(() -> {
            NetworkNamespace.enterNew();
            NetworkNamespace.bringLoopbackUp();
            return null;
        });
        return cell;
    }

    private static String nsenter(String namespace, String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + namespace, "--"));
        argv.addAll(List.of(command));
        ScratchNetns.Result result = ScratchNetns.Result.of(new ProcessBuilder(argv).start());
        assertThat(result.exitCode()).as(String.join(" ", command) + ": " + result.stderr()).isZero();
        return result.stdout();
    }

    private static List<PinnedRule> pin(List<EgressRule> rules) {
        try {
            return EgressPinning.pin(rules, Map.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
