package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.AllowSets;
import dev.cellrunner.nft.CellRuleset;
import dev.cellrunner.nft.Counter;
import dev.cellrunner.nft.EgressCounters;
import dev.cellrunner.nft.HostFilter;
import dev.cellrunner.nft.KernelRuleset;
import dev.cellrunner.nft.NftChain;
import dev.cellrunner.nft.NftRule;
import dev.cellrunner.nft.NftTable;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A cell's network beyond the bare namespace: its nft ruleset (always), and for a cell that declares
 * egress an uplink (veth pair, per-cell subnet, default routes via the host, forwarding, masquerade)
 * guarded by a host-side filter. Everything is verified by reading it back from the kernel; whatever
 * cannot be put in place refuses the cell. Everything added on the host is removed by {@link #close()},
 * also on failure, timeout or SIGTERM (shutdown hook); {@code cell-runner gc} handles kill -9.
 */
public final class CellNetwork implements AutoCloseable {
    private static final Set<CellNetwork> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(CellNetwork::close), "cell-network-cleanup"));
    }

    private final CellNetNames names = CellNetNames.next();
    private final List<PinnedRule> rules;
    private final AllowSets sets;
    private final NftTable cellTable;
    private final Consumer<String> log;
    private Path nft;
    private NetnsHandle netns;
    private UplinkPool.Slot slot;
    private NftTable hostTable;
    private boolean hostInterfaceCreated;
    private Forwarding forwarding;
    private NetworkSetup setup;
    private boolean closed;

    private CellNetwork(List<PinnedRule> rules, Consumer<String> log) {
        this.rules = List.copyOf(rules);
        this.sets = AllowSets.of(rules);
        this.cellTable = CellRuleset.compile(names.table(), sets);
        this.log = log;
        int elements = sets.nftSets().stream().mapToInt(s -> s.elements().size()).sum();
        this.setup = new NetworkSetup(names.table(), false, null, 0, 0, elements, null, false, null);
    }

    /**
     * Applies and verifies the cell's ruleset from its launch thread, then (with egress rules) connects
     * the uplink. Call before the workload starts; on refusal everything added is already removed.
     */
    public static CellNetwork setUp(SpawnSite launch, int launchTid, List<PinnedRule> rules, Map<String, String> env,
                                    Consumer<String> log) throws NetworkRefusal {
        CellNetwork network = new CellNetwork(rules, log);
        OPEN.add(network);
        try {
            network.applyCellRuleset(launch, launchTid);
            if (!rules.isEmpty()) {
                network.connectUplink(launch, env);
            }
            return network;
        } catch (NetworkRefusal refusal) {
            network.close();
            throw refusal;
        }
    }

    public NetworkSetup setup() {
        return setup;
    }

    public List<PinnedRule> rules() {
        return rules;
    }

    private void applyCellRuleset(SpawnSite launch, int launchTid) throws NetworkRefusal {
        try {
            nft = Tools.require("nft");
            netns = NetnsHandle.ofThread(ProcessHandle.current().pid(), launchTid);
            ToolResult applied = Tools.run(launch, nft, List.of("-f", "-"), cellTable.text());
            if (!applied.ok()) {
                throw refuse("the kernel refused the cell's ruleset: " + applied.error());
            }
            ToolResult listed = Tools.run(launch, nft, List.of("-j", "list", "ruleset"), "");
            KernelRuleset kernel = readBack(listed, cellTable, true);
            setup = new NetworkSetup(names.table(), true, kernel.digest(),
                    (applied.nanos() + listed.nanos()) / 1e6, 0, setup.ruleElements(), null, false, null);
        } catch (Tools.ToolMissing | OsError | IOException e) {
            throw refuse(e.getMessage());
        }
    }

    private void connectUplink(SpawnSite launch, Map<String, String> env) throws NetworkRefusal {
        long start = System.nanoTime();
        try {
            Path ip = Tools.require("ip");
            slot = UplinkPool.fromEnvironment(env).take();
            boolean v4 = rules.stream().flatMap(r -> r.destinations().stream()).anyMatch(IpPrefix::isIpv4);
            boolean v6 = rules.stream().flatMap(r -> r.destinations().stream()).anyMatch(d -> !d.isIpv4());
            String hostIf = names.hostInterface();
            hostTable = HostFilter.compile(names.table(), hostIf, sets,
                    v4 ? Optional.of(slot.ipv4Subnet()) : Optional.empty(),
                    v6 ? Optional.of(slot.ipv6Subnet()) : Optional.empty());
            // add-then-delete first: a leftover table of a dead runner with our PID is replaced, never merged
            String script = "table inet " + hostTable.name() + "\ndelete table inet " + hostTable.name() + "\n"
                    + hostTable.text();
            ToolResult applied = Tools.run(SpawnSite.HOST, nft, List.of("-f", "-"), script);
            if (!applied.ok()) {
                throw refuse("the kernel refused the host-side filter: " + applied.error());
            }
            readBack(Tools.run(SpawnSite.HOST, nft, List.of("-j", "list", "table", "inet", hostTable.name()), ""),
                    hostTable, false);
            createLink(launch, ip, v4, v6);
            forwarding = Forwarding.forThisNamespace(StateDirectory.of(env));
            Set<Forwarding.Family> families = EnumSet.noneOf(Forwarding.Family.class);
            if (v4) {
                families.add(Forwarding.Family.IPV4);
            }
            if (v6) {
                families.add(Forwarding.Family.IPV6);
            }
            Set<Forwarding.Family> switched = forwarding.acquire(hostIf, families);
            setup = new NetworkSetup(setup.table(), true, setup.rulesetDigest(), setup.applyMillis(),
                    (System.nanoTime() - start) / 1e6, setup.ruleElements(), uplink(v4, v6, switched), true, null);
        } catch (Tools.ToolMissing | IOException e) {
            throw refuse("cannot connect the cell's uplink: " + e.getMessage());
        }
    }

    /** The veth pair: created from inside the cell, its host end sent to the runner's namespace. */
    private void createLink(SpawnSite launch, Path ip, boolean v4, boolean v6) throws IOException, NetworkRefusal {
        String hostIf = names.hostInterface();
        String cellIf = CellNetNames.CELL_INTERFACE;
        StringBuilder cell = new StringBuilder("link add " + cellIf + " type veth peer name " + hostIf + " netns "
                + ProcessHandle.current().pid() + "\n");
        StringBuilder host = new StringBuilder();
        if (v4) {
            cell.append("addr add ").append(text(slot.ipv4Cell())).append("/30 dev ").append(cellIf).append('\n');
            host.append("addr add ").append(text(slot.ipv4Host())).append("/30 dev ").append(hostIf).append('\n');
        }
        if (v6) {
            cell.append("addr add ").append(text(slot.ipv6Cell())).append("/64 dev ").append(cellIf).append(" nodad\n");
            host.append("addr add ").append(text(slot.ipv6Host())).append("/64 dev ").append(hostIf).append(" nodad\n");
        }
        cell.append("link set ").append(cellIf).append(" up\n");
        if (v4) {
            cell.append("route add default via ").append(text(slot.ipv4Host())).append(" dev ").append(cellIf).append('\n');
        }
        if (v6) {
            cell.append("route add ::/0 via ").append(text(slot.ipv6Host())).append(" dev ").append(cellIf).append('\n');
        }
        host.append("link set ").append(hostIf).append(" up\n");
        hostInterfaceCreated = true;
        ToolResult cellSide = Tools.run(launch, ip, List.of("-batch", "-"), cell.toString());
        if (!cellSide.ok() && cellSide.stderr().contains("File exists")) {
            // only a dead runner that had our PID can have left this name: remove it and try once more
            log.accept("removing " + hostIf + ", left over by an earlier runner with this PID");
            Tools.run(SpawnSite.HOST, ip, List.of("link", "delete", hostIf), "");
            cellSide = Tools.run(launch, ip, List.of("-batch", "-"), cell.toString());
        }
        if (!cellSide.ok()) {
            throw refuse("cannot create the cell's veth: " + cellSide.error());
        }
        ToolResult hostSide = Tools.run(SpawnSite.HOST, ip, List.of("-batch", "-"), host.toString());
        if (!hostSide.ok()) {
            throw refuse("cannot configure " + hostIf + " on the host: " + hostSide.error());
        }
    }

    private NetworkSetup.Uplink uplink(boolean v4, boolean v6, Set<Forwarding.Family> switched) {
        List<String> addresses = new ArrayList<>();
        List<String> gateways = new ArrayList<>();
        if (v4) {
            addresses.add(text(slot.ipv4Cell()) + "/30");
            gateways.add(text(slot.ipv4Host()));
        }
        if (v6) {
            addresses.add(text(slot.ipv6Cell()) + "/64");
            gateways.add(text(slot.ipv6Host()));
        }
        return new NetworkSetup.Uplink(names.hostInterface(), CellNetNames.CELL_INTERFACE, addresses, gateways,
                switched.stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList());
    }

    /** Parses a listing and checks it holds exactly {@code expected} ({@code only}: and no other table). */
    private KernelRuleset readBack(ToolResult listed, NftTable expected, boolean only) throws NetworkRefusal {
        if (!listed.ok()) {
            throw refuse("cannot read the ruleset back: " + listed.error());
        }
        KernelRuleset kernel;
        try {
            kernel = KernelRuleset.parse(listed.stdout());
        } catch (IllegalArgumentException e) {
            throw refuse("cannot read the ruleset back: " + e.getMessage());
        }
        List<String> differences = new ArrayList<>();
        if (only && !kernel.tableNames().equals(Set.of("inet " + expected.name()))) {
            differences.add("the namespace holds tables " + kernel.tableNames());
        }
        kernel.table(expected.name()).ifPresentOrElse(table -> differences.addAll(expected.expected().differencesFrom(table)),
                () -> differences.add("table inet " + expected.name() + " is missing"));
        if (!differences.isEmpty()) {
            throw refuse("the kernel's read-back differs from the ruleset applied: " + String.join("; ", differences));
        }
        return kernel;
    }

    /** Reads the counters after the run, inside the cell's namespace and on the host. Never throws. */
    public NetworkEnforcement observeAfterRun() {
        if (!setup.nftRulesApplied()) {
            return new NetworkEnforcement(null, null, false, null, "no ruleset was applied");
        }
        try {
            ToolResult listed = Tools.run(netns.spawnSite(), nft, List.of("-j", "list", "ruleset"), "");
            if (!listed.ok()) {
                return new NetworkEnforcement(null, null, false, null, "cannot list the cell's ruleset: " + listed.error());
            }
            KernelRuleset kernel = KernelRuleset.parse(listed.stdout());
            EgressCounters counters = EgressCounters.read(cellTable, rules, kernel);
            boolean unchanged = kernel.digest().equals(setup.rulesetDigest());
            return new NetworkEnforcement(counters, kernel.digest(), unchanged, hostDroppedPackets(), null);
        } catch (IOException | IllegalArgumentException e) {
            return new NetworkEnforcement(null, null, false, null, "cannot read the counters: " + e.getMessage());
        }
    }

    private Long hostDroppedPackets() throws IOException {
        if (hostTable == null) {
            return null;
        }
        ToolResult listed = Tools.run(SpawnSite.HOST, nft, List.of("-j", "list", "table", "inet", hostTable.name()), "");
        if (!listed.ok()) {
            return null;
        }
        KernelRuleset kernel = KernelRuleset.parse(listed.stdout());
        long dropped = 0;
        for (NftChain chain : hostTable.chains()) {
            for (NftRule rule : chain.rules()) {
                if (rule.drops()) {
                    dropped += kernel.ruleCounter(hostTable.name(), chain.name(), rule.comment()).orElse(Counter.ZERO)
                            .packets();
                }
            }
        }
        return dropped;
    }

    private NetworkRefusal refuse(String reason) {
        setup = setup.failed(reason);
        return new NetworkRefusal(reason, setup);
    }

    /** Removes everything this cell added on the host; safe to call more than once, from any thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        OPEN.remove(this);
        if (hostInterfaceCreated) {
            quietly("ip", List.of("link", "delete", names.hostInterface()), "Cannot find device");
        }
        if (hostTable != null) {
            quietly("nft", List.of("delete", "table", "inet", hostTable.name()), "No such file or directory");
        }
        if (forwarding != null) {
            try {
                forwarding.release(names.hostInterface(), note -> { });
            } catch (IOException e) {
                log.accept("cannot update the forwarding record: " + e.getMessage());
            }
        }
        try {
            if (slot != null) {
                slot.close();
            }
        } catch (IOException e) {
            log.accept("cannot release uplink slot " + slot.index() + ": " + e.getMessage());
        }
        if (netns != null) {
            netns.close();
        }
    }

    /** Runs a removal; "already gone" is fine, anything else is reported (gc will retry). */
    private void quietly(String tool, List<String> args, String alreadyGone) {
        try {
            ToolResult result = Tools.run(SpawnSite.HOST, Tools.require(tool), args, "");
            if (!result.ok() && !result.stderr().contains(alreadyGone)) {
                log.accept("cannot remove (" + tool + " " + String.join(" ", args) + "): " + result.error());
            }
        } catch (IOException | Tools.ToolMissing e) {
            log.accept("cannot remove (" + tool + " " + String.join(" ", args) + "): " + e.getMessage());
        }
    }

    private static String text(InetAddress address) {
        return Addresses.text(address);
    }
}
