package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.AllowSet;
import dev.cellrunner.nft.AllowSets;
import dev.cellrunner.nft.CellRuleset;
import dev.cellrunner.nft.Counter;
import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.EgressCounters;
import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.HostAddresses;
import dev.cellrunner.nft.HostEgress;
import dev.cellrunner.nft.HostFilter;
import dev.cellrunner.nft.KernelRuleset;
import dev.cellrunner.nft.NftChain;
import dev.cellrunner.nft.NftRule;
import dev.cellrunner.nft.NftTable;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.nft.SetElement;
import dev.cellrunner.runner.dns.CellResponder;
import dev.cellrunner.runner.dns.ResponderSockets;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkError;
import dev.cellrunner.runner.records.LandlockDenials;
import dev.cellrunner.runner.records.NetworkRecords;
import dev.cellrunner.runner.records.Totals;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.RouteNetlink;
import dev.cellrunner.runner.os.Syscalls;
import dev.cellrunner.runner.records.WouldBeDenied;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.EgressMode;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A cell's network beyond the bare namespace: its nft ruleset (always), and for a cell that declares
 * egress an uplink (veth pair, per-cell subnet, default routes via the host, forwarding, masquerade)
 * guarded by a host-side filter. Everything is verified by reading it back from the kernel; whatever
 * cannot be put in place refuses the cell. Everything added on the host is removed by {@link #close()},
 * also on failure, timeout or SIGTERM (shutdown hook); {@code cell-runner gc} handles kill -9.
 */
public final class CellNetwork implements AutoCloseable {
    private static final Set<CellNetwork> OPEN = ConcurrentHashMap.newKeySet();
    private static final Duration TEARDOWN_LIMIT = Duration.ofSeconds(20);
    /** A little longer than a stopping run is given to report its end (CellRun's shutdown hook). */
    private static final Duration OWNER_CLOSE_LIMIT = Duration.ofSeconds(12);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(CellNetwork::removeAllBeforeExit, "cell-network-cleanup"));
    }

    private final CellNetNames names;
    private final List<PinnedRule> rules;
    private final AllowSets sets;
    private final DnsPolicy dns;
    private final EgressMode mode;
    private final NftTable cellTable;
    private final Consumer<String> log;
    /** The cell's namespace, for reading the counters after the launch thread is gone. */
    private NetnsHandle cellNetns;
    /** The thread that lists the cell's ruleset after the run, once started ahead ({@link #readyForEnd}). */
    private NetnsHandle.Ahead<Nftables.Result> cellProbe;
    /** The thread that removes the cell's objects from the host, once started ahead ({@link #readyForEnd}). */
    private NetnsHandle.Ahead<Void> teardown;
    /** {@link #readyForEnd} ran: a later call (another thread's, late) starts nothing. */
    private boolean readiedForEnd;
    /** The runner's namespace: where the veth's peer is born and where the teardown runs. */
    private NetnsHandle hostNetns;
    private UplinkPool.Slot slot;
    private NftTable hostTable;
    private boolean hostInterfaceCreated;
    private Forwarding forwarding;
    private NetworkSetup setup;
    private NetworkRecorder recorder;
    private ResponderSockets responder;
    /** The socket, opened inside the cell, through which answers reach its answer sets. */
    private NetfilterNetlink answerSocket;
    /** The records' sockets, opened by the launch thread after the cell side, until the recorder takes them. */
    private CompletableFuture<NetworkRecorder.Sockets> recordingSockets;
    /** The route sockets of the cell's and the runner's namespace, opened ahead, until the uplink takes them. */
    private RouteNetlink cellRoute;
    private Exception cellRouteFailed;
    private RouteNetlink hostRoute;
    private long uplinkStart;
    private boolean v4;
    private boolean v6;
    private boolean closed;

    private CellNetwork(CellNetNames names, List<PinnedRule> rules, Consumer<String> log) {
        this(names, rules, log, EgressMode.ENFORCE, HostAddresses.NONE, false);
    }

    /** In audit mode the cell's own ruleset rejects (and logs) what leads to the host, unless the runner allows it. */
    private CellNetwork(CellNetNames names, List<PinnedRule> rules, Consumer<String> log, EgressMode mode,
                        HostAddresses host, boolean allowHostEgress) {
        this.names = names;
        this.rules = List.copyOf(rules);
        this.mode = mode;
        this.sets = AllowSets.of(rules);
        this.dns = DnsPolicy.of(rules, mode == EgressMode.AUDIT);
        this.cellTable = CellRuleset.compile(names.table(), sets, dns,
                allowHostEgress ? List.of() : HostEgress.ranges(host));
        this.log = log;
        int elements = sets.nftSets().stream().mapToInt(s -> s.elements().size()).sum();
        this.setup = new NetworkSetup(names.table(), false, null, 0, 0, elements, null, false, null);
    }

    /**
     * Applies and verifies the cell's ruleset from its launch thread, then (with egress rules) connects
     * the uplink. Call before the workload starts; on refusal everything added is already removed.
     */
    public static CellNetwork setUp(CellThread launch, int launchTid, List<PinnedRule> rules, Map<String, String> env,
                                    Consumer<String> log) throws NetworkRefusal {
        return setUp(launch, launchTid, rules, env, HostAddresses.NONE, false, log);
    }

    /**
     * @param host            the host's addresses (read when the cell was planned) and uplink pools: what the
     *                        cell's DNS responder never answers and its host-side filter never forwards to
     * @param allowHostEgress the runner admits destinations on the host (and answers naming them)
     */
    public static CellNetwork setUp(CellThread launch, int launchTid, List<PinnedRule> rules, Map<String, String> env,
                                    HostAddresses host, boolean allowHostEgress, Consumer<String> log)
            throws NetworkRefusal {
        return setUp(launch, launchTid, rules, env, host, allowHostEgress, EgressMode.ENFORCE, log);
    }

    /**
     * @param mode audit: an uplink whatever the rules, every destination but the host accepted and recorded,
     *             every name forwarded by the responder; the rules are only compared ({@link WouldBeDenied})
     */
    public static CellNetwork setUp(CellThread launch, int launchTid, List<PinnedRule> rules, Map<String, String> env,
                                    HostAddresses host, boolean allowHostEgress, EgressMode mode, Consumer<String> log)
            throws NetworkRefusal {
        CellNetwork network = new CellNetwork(CellNetNames.next(), rules, log, mode, host, allowHostEgress);
        OPEN.add(network);
        try {
            boolean uplink = network.dns != DnsPolicy.NONE;
            // the launch thread loads and reads back the cell's side while this thread prepares the host's
            CompletableFuture<CellSide> cellSide = network.startCellSide(launch, launchTid, uplink);
            NetworkRefusal hostRefusal = null;
            if (uplink) {
                try {
                    network.loadHostFilter(host, allowHostEgress, env);
                } catch (NetworkRefusal refusal) {
                    hostRefusal = refusal;
                }
            }
            network.finishCellRuleset(cellSide); // the cell's refusal, if any, comes first, as when done in turn
            if (hostRefusal != null) {
                throw network.refuse(hostRefusal.getMessage());
            }
            if (uplink) {
                network.connectUplink(env);
                network.startRecording(launch, env, EgressPinning.neverAllowed(host, allowHostEgress));
            }
            return network;
        } catch (NetworkRefusal refusal) {
            network.close();
            throw refusal;
        }
    }

    /**
     * Runs the cell side once (ruleset loaded, listed and read back) in a fresh namespace of the calling
     * thread, which must be a thread of its own that ends right after: a one-shot runner does this while
     * it validates the document, so that its one cell meets code that has run before. Leaves nothing
     * behind: the namespace goes with the thread. Returns the kernel's listing (JSON), read back.
     */
    public static String rehearse() throws Exception {
        NetworkNamespace.enterNew();
        CellNetwork rehearsal = new CellNetwork(new CellNetNames(ProcessHandle.current().pid(), 0), List.of(), line -> { });
        try {
            CellThread here = new CellThread() {
                @Override
                public <T> CompletableFuture<T> submit(Callable<T> step) {
                    try {
                        return CompletableFuture.completedFuture(step.call());
                    } catch (Exception e) {
                        return CompletableFuture.failedFuture(e);
                    }
                }
            };
            return rehearsal.finishCellRuleset(rehearsal.startCellSide(here, Syscalls.gettid(), false));
        } finally {
            rehearsal.close();
        }
    }

    /**
     * Waits until every closed cell's host-side objects are removed (they are removed in the background),
     * at most {@code limit}; false when some removals are still running.
     */
    public static boolean awaitTeardowns(Duration limit) throws InterruptedException {
        return Teardowns.awaitAll(limit);
    }

    /**
     * The shutdown hook: gives each running cell time to close its own network (its run reads the
     * counters first, for network_enforcement), then closes what is still open and waits for every
     * teardown, so the runner exits clean.
     */
    private static void removeAllBeforeExit() {
        long deadline = System.nanoTime() + OWNER_CLOSE_LIMIT.toNanos();
        try {
            while (!OPEN.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        OPEN.forEach(CellNetwork::close);
        try {
            if (!awaitTeardowns(TEARDOWN_LIMIT)) {
                System.err.println("cell-runner: uplink teardown did not finish in " + TEARDOWN_LIMIT.toSeconds()
                        + " s; cell-runner gc removes what is left");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public NetworkSetup setup() {
        return setup;
    }

    public List<PinnedRule> rules() {
        return rules;
    }

    /**
     * What the launch thread did inside the cell: the ruleset loaded and listed, the listing parsed (or
     * why it could not be), and for a cell with an uplink its route socket opened (or why not).
     */
    private record CellSide(NftKernel.Loaded loaded, KernelRuleset kernel, String unreadable,
                            RouteNetlink route, Exception routeFailed, long doneNanos) {
    }

    /**
     * Queues on the launch thread (libnftables acts on that thread's namespace): the cell's ruleset
     * loaded, listed and parsed, its digest taken; then, with {@code uplink}, the route socket the veth
     * is made through, so the uplink needs no further turn of the launch thread. The caller checks it
     * all in {@link #finishCellRuleset}. With {@code uplink}, a second step opens the sockets of the
     * cell's records ({@link NetworkRecorder#openHere}) while this thread connects the uplink;
     * {@link #startRecording} takes them.
     */
    private CompletableFuture<CellSide> startCellSide(CellThread launch, int launchTid, boolean uplink) {
        long start = System.nanoTime();
        try {
            cellNetns = NetnsHandle.ofThread(ProcessHandle.current().pid(), launchTid);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<CellSide> side = launch.submit(() -> {
            NftKernel.Loaded loaded = NftKernel.loadOnce(cellTable.text(), "list ruleset");
            KernelRuleset kernel = null;
            String unreadable = null;
            if (loaded.applied().ok() && loaded.listed().ok()) {
                try {
                    kernel = KernelRuleset.parse(loaded.listed().output());
                    kernel.digest();
                } catch (IllegalArgumentException e) {
                    unreadable = e.getMessage();
                }
            }
            long done = System.nanoTime();
            RouteNetlink route = null;
            Exception routeFailed = null;
            if (uplink && kernel != null) {
                try {
                    route = RouteNetlink.open();
                } catch (Exception e) {
                    routeFailed = e;
                }
            }
            return new CellSide(loaded, kernel, unreadable, route, routeFailed, done - start);
        });
        if (uplink) {
            // runs after the step above, on the same thread: only for a ruleset that was read back
            recordingSockets = launch.submit(() -> listingParsed(side) ? NetworkRecorder.openHere() : null);
        }
        return side;
    }

    /** Whether the cell side is done and its listing was parsed. */
    private static boolean listingParsed(CompletableFuture<CellSide> side) {
        return side.isDone() && !side.isCompletedExceptionally() && side.join().kernel() != null;
    }

    /**
     * Waits for {@link #startCellSide} and checks that the kernel holds exactly the cell's ruleset;
     * returns the kernel's listing (JSON) it checked.
     */
    private String finishCellRuleset(CompletableFuture<CellSide> started) throws NetworkRefusal {
        CellSide side;
        try {
            side = CellThread.await(started);
        } catch (Exception e) {
            throw refuse(reason(e, "cannot apply the cell's ruleset"));
        }
        cellRoute = side.route();
        cellRouteFailed = side.routeFailed();
        NftKernel.Loaded loaded = side.loaded();
        if (!loaded.applied().ok()) {
            throw refuse("the kernel refused the cell's ruleset: " + loaded.applied().error());
        }
        if (!loaded.listed().ok()) {
            throw refuse("cannot read the ruleset back: " + loaded.listed().error());
        }
        if (side.kernel() == null) {
            throw refuse("cannot read the ruleset back: " + side.unreadable());
        }
        check(side.kernel(), cellTable, true);
        setup = new NetworkSetup(names.table(), true, side.kernel().digest(), side.doneNanos() / 1e6, 0,
                setup.ruleElements(), null, false, null);
        return loaded.listed().output();
    }

    /**
     * On this (a runner) thread, in the runner's namespace: the uplink slot taken, and the host-side
     * filter for the slot's subnets loaded and read back.
     */
    private void loadHostFilter(HostAddresses hostAddresses, boolean allowHostEgress, Map<String, String> env)
            throws NetworkRefusal {
        uplinkStart = System.nanoTime();
        try {
            hostNetns = NetnsHandle.ofThread(ProcessHandle.current().pid(), Syscalls.gettid());
            UplinkPool pool = UplinkPool.fromEnvironment(env);
            slot = pool.take();
            // a name may be answered with addresses of either family
            boolean answered = dns.redirected();
            v4 = answered || rules.stream().flatMap(r -> r.destinations().stream()).anyMatch(IpPrefix::isIpv4);
            v6 = answered || rules.stream().flatMap(r -> r.destinations().stream()).anyMatch(d -> !d.isIpv4());
            hostTable = HostFilter.compile(names.table(), names.hostInterface(), sets, dns,
                    v4 ? Optional.of(slot.ipv4Subnet()) : Optional.empty(),
                    v6 ? Optional.of(slot.ipv6Subnet()) : Optional.empty(),
                    new HostAddresses(hostAddresses.interfaces(), pool.prefixes()), allowHostEgress);
            NftKernel.Loaded loaded = loadHostTable();
            if (!loaded.applied().ok()) {
                throw refuse("the kernel refused the host-side filter: " + loaded.applied().error());
            }
            readBack(loaded.listed(), hostTable, false);
            hostRoute = RouteNetlink.open(); // for the veth, while the cell side may still be running
        } catch (NetworkRefusal refusal) {
            throw refusal;
        } catch (Exception e) {
            throw refuse(reason(e, "cannot connect the cell's uplink"));
        }
    }

    /**
     * With the host filter in place: the veth pair, addresses and routes, and forwarding switched on.
     * {@code uplinkMillis} counts from {@link #loadHostFilter}, which overlaps the cell's ruleset.
     */
    private void connectUplink(Map<String, String> env) throws NetworkRefusal {
        long start = uplinkStart;
        try {
            String hostIf = names.hostInterface();
            if (dns == DnsPolicy.ANSWERED) {
                AnswerSets.hostSocket(); // opened here, on a thread in the runner's namespace
            }
            if (cellRouteFailed != null) {
                throw cellRouteFailed;
            }
            hostInterfaceCreated = true;
            try (RouteNetlink host = hostRoute; RouteNetlink cell = cellRoute) {
                hostRoute = null;
                cellRoute = null;
                VethUplink.connect(cell, host, hostNetns.fd(), hostIf, slot, v4, v6, log);
            }
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
        } catch (NetworkRefusal refusal) {
            throw refusal;
        } catch (Exception e) {
            throw refuse(reason(e, "cannot connect the cell's uplink"));
        }
    }

    /**
     * Inside the cell, before the workload: the kernel's reports of denied packets and connections, and
     * for a cell whose rules name hosts its DNS responder, whose answers open the answer sets.
     */
    private void startRecording(CellThread launch, Map<String, String> env,
                                Function<InetAddress, Optional<String>> neverAllowed) throws NetworkRefusal {
        try {
            recorder = new NetworkRecorder(CellThread.await(recordingSockets), rules, NameService.recordLimit(env));
            recordingSockets = null;
            // the upstream resolvers and the TTL policy serve a responder only: a cell without one skips them
            NameService settings = dns.redirected() ? NameService.fromEnvironment(env, neverAllowed) : null;
            if (dns == DnsPolicy.ANSWERED) {
                NetfilterNetlink cellSets = launch.call(() -> NetfilterNetlink.open(0, 0));
                AnswerSets gate = new AnswerSets(names.table(), cellSets, true);
                CellResponder answers = new CellResponder(rules, settings.lookup(), gate, settings.neverAllowed(),
                        settings.ttl(), settings.recordLimit(), Instant::now);
                responder = ResponderSockets.start(() -> launch.call(ResponderSockets::bindHere), answers,
                        "cell-dns-" + names.table(), log);
                answerSocket = cellSets;
                recorder.explainWith(answers);
            } else if (dns == DnsPolicy.FORWARDED) {
                CellResponder answers = CellResponder.forwardingAll(rules, settings.lookup(), settings.neverAllowed(),
                        settings.ttl(), settings.recordLimit(), Instant::now);
                responder = ResponderSockets.start(() -> launch.call(ResponderSockets::bindHere), answers,
                        "cell-dns-" + names.table(), log);
                recorder.explainWith(answers);
            }
        } catch (Exception e) {
            throw refuse(reason(e, "cannot start the cell's DNS responder and network records"));
        }
    }

    /**
     * Creates the host table. A table of that name can only be a leftover of a dead runner that had our
     * PID: then it is replaced (added, deleted and loaded in one transaction), never merged into. Plain
     * creation comes first because it deletes nothing, and the kernel's release of a deletion makes
     * sockets wait for a while (see {@link Nftables}).
     */
    private NftKernel.Loaded loadHostTable() throws Nftables.Unavailable, OsError {
        String table = "table inet " + hostTable.name();
        String listing = "list " + table;
        Nftables.Session nft = NftKernel.runner();
        NftKernel.Loaded created = NftKernel.load(nft, "create " + table + "\n" + hostTable.text(), listing);
        if (created.applied().ok() || !created.applied().errors().contains("File exists")) {
            return created;
        }
        log.accept("replacing nft " + table + ", left over by an earlier runner with this PID");
        return NftKernel.load(nft, table + "\ndelete " + table + "\n" + hostTable.text(), listing);
    }

    /** A refusal's reason: what failed and why; an interruption is passed on. */
    private static String reason(Exception e, String what) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return what + ": interrupted";
        }
        return e instanceof Nftables.Unavailable ? e.getMessage() : what + ": " + e.getMessage();
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
    private KernelRuleset readBack(Nftables.Result listed, NftTable expected, boolean only) throws NetworkRefusal {
        if (!listed.ok()) {
            throw refuse("cannot read the ruleset back: " + listed.error());
        }
        KernelRuleset kernel;
        try {
            kernel = KernelRuleset.parse(listed.output());
        } catch (IllegalArgumentException e) {
            throw refuse("cannot read the ruleset back: " + e.getMessage());
        }
        check(kernel, expected, only);
        return kernel;
    }

    /** Checks that {@code kernel} holds exactly {@code expected} ({@code only}: and no other table). */
    private void check(KernelRuleset kernel, NftTable expected, boolean only) throws NetworkRefusal {
        List<String> differences = new ArrayList<>();
        if (only && !kernel.tableNames().equals(Set.of("inet " + expected.name()))) {
            differences.add("the namespace holds tables " + kernel.tableNames());
        }
        kernel.table(expected.name()).ifPresentOrElse(table -> differences.addAll(expected.expected().differencesFrom(table)),
                () -> differences.add("table inet " + expected.name() + " is missing"));
        if (!differences.isEmpty()) {
            throw refuse("the kernel's read-back differs from the ruleset applied: " + String.join("; ", differences));
        }
    }

    /**
     * Reads the counters after the run: the cell's ruleset on a throwaway thread inside its namespace
     * while this thread reads the host filter's. Never throws.
     */
    public NetworkEnforcement observeAfterRun() {
        return observeAfterRun(LandlockDenials.notRecorded("the cell's landlock audit records were not read"));
    }

    /**
     * Starts, while the cell runs, the threads its end needs: one that enters the cell's namespace to list
     * its ruleset after the run, one in the runner's that removes the cell's objects from the host ({@link
     * Teardowns}). They wait, so the cell's end does not wait for threads to start. Once only: any thread.
     */
    public synchronized void readyForEnd() {
        if (closed || readiedForEnd) {
            return;
        }
        readiedForEnd = true;
        if (setup.nftRulesApplied()) {
            cellProbe = cellNetns.startAhead("cell-netns-probe");
        }
        if (hostNetns != null) {
            teardown = hostNetns.startAhead(Teardowns.THREAD);
        }
    }

    /** @param landlock the cell's landlock denials: its refused TCP connects join the denied connections */
    public synchronized NetworkEnforcement observeAfterRun(LandlockDenials landlock) {
        if (!setup.nftRulesApplied() || closed) {
            return new NetworkEnforcement(null, null, false, null, closed ? "the cell's network is already removed"
                    : "no ruleset was applied", null);
        }
        if (responder != null) {
            responder.close(); // the workload is gone: no more queries
        }
        readyForEnd();
        NetnsHandle.Ahead<Nftables.Result> probe = cellProbe != null ? cellProbe : cellNetns.startAhead("cell-netns-probe");
        cellProbe = null;
        CompletableFuture<Nftables.Result> cellListing = probe.run(() -> NftKernel.listOnce("list ruleset"));
        try {
            Long hostDropped = hostDroppedPackets();
            Nftables.Result listed = cellListing.get();
            if (!listed.ok()) {
                return new NetworkEnforcement(null, null, false, null, "cannot list the cell's ruleset: " + listed.error(),
                        null);
            }
            KernelRuleset kernel = KernelRuleset.parse(listed.output());
            EgressCounters counters = EgressCounters.read(cellTable, rules, kernel);
            boolean unchanged = kernel.digest().equals(setup.rulesetDigest()) && answerSetsHoldOnlyAnswers(kernel);
            NetworkRecords records = records(counters.droppedPackets(), landlock);
            return new NetworkEnforcement(counters, kernel.digest(), unchanged, hostDropped, null, records,
                    mode == EgressMode.AUDIT && records != null ? WouldBeDenied.of(rules, records) : null);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return new NetworkEnforcement(null, null, false, null, "cannot read the counters: " + cause.getMessage(), null);
        } finally {
            probe.ended().join(); // keep the handle open until the probe is done
        }
    }

    /**
     * The answer sets are left out of the digest (the responder fills them); so every element they
     * hold after the run must be one an answer opened.
     */
    private boolean answerSetsHoldOnlyAnswers(KernelRuleset kernel) {
        CellResponder answers = responder == null ? null : responder.responder();
        for (AllowSet kind : AllowSet.values()) {
            for (SetElement element : kernel.elements(cellTable.name(), kind.answerSetName())) {
                CellResponder.Opened opened = new CellResponder.Opened(element.destination().address(), element.port(),
                        kind.protocol());
                if (answers == null || !answers.hasOpened(opened)) {
                    log.accept("answer set " + kind.answerSetName() + " holds " + element.text() + ", which no answer opened");
                    return false;
                }
            }
        }
        return true;
    }

    /** The records of the run: the responder's queries, the kernel's denied packets and flows; null without uplink. */
    private NetworkRecords records(long rejectedPackets, LandlockDenials landlock) {
        if (recorder == null) {
            return null;
        }
        NetworkRecorder.Recorded recorded = recorder.finish(rejectedPackets, landlock);
        List<String> unrecorded = new ArrayList<>(NetworkRecorder.UNRECORDED);
        unrecorded.addAll(recorded.problems());
        CellResponder answers = responder == null ? null : responder.responder();
        return new NetworkRecords(answers == null ? List.of() : answers.queries().entries(),
                answers == null ? new Totals(0, 0, 0, false, 0) : answers.queries().totals(), recorded.flows(),
                recorded.flowTotals(), recorded.denied(), recorded.deniedTotals(), unrecorded);
    }

    /** Enforce or audit: what the events say of this cell's egress. */
    public EgressMode mode() {
        return mode;
    }

    /**
     * Packets the host-side filter dropped, or null when its rules cannot be read: dumped through netlink
     * from this (a runner) thread, in the runner's namespace, not listed through libnftables, whose lock
     * the cell's own listing (on the probe thread) would wait for.
     */
    private Long hostDroppedPackets() {
        if (hostTable == null) {
            return null;
        }
        Optional<RuleCounters> kernel = RuleCounters.readHere(hostTable.name());
        if (kernel.isEmpty()) {
            return null;
        }
        long dropped = 0;
        for (NftChain chain : hostTable.chains()) {
            for (NftRule rule : chain.rules()) {
                if (rule.drops()) {
                    dropped += kernel.get().of(chain.name(), rule.comment()).orElse(Counter.ZERO).packets();
                }
            }
        }
        return dropped;
    }

    private NetworkRefusal refuse(String reason) {
        setup = setup.failed(reason);
        return new NetworkRefusal(reason, setup);
    }

    /**
     * Removes everything this cell added on the host; safe to call more than once, from any thread.
     * The removal runs in the background ({@link Teardowns}): it waits on the kernel, not on the runner.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (responder != null) {
                responder.close();
            }
            if (recorder != null) {
                recorder.close();
            }
            if (recordingSockets != null) {
                // closed once the launch thread has opened them, if it does
                recordingSockets.thenAccept(sockets -> {
                    if (sockets != null) {
                        sockets.log().close();
                        sockets.conntrack().close();
                    }
                });
            }
            if (cellRoute != null) {
                cellRoute.close();
            }
            if (hostRoute != null) {
                hostRoute.close();
            }
            if (answerSocket != null) {
                answerSocket.close();
            }
            if (cellProbe != null) {
                cellProbe.cancel(); // readied, but the counters were never read
                cellProbe.ended().join();
            }
            if (cellNetns != null) {
                cellNetns.close();
            }
            if (hostNetns != null) {
                Teardowns.start(hostNetns, teardown, this::removeFromHost, log);
                teardown = null;
            }
        } finally {
            // Only once its teardown counts as running: the shutdown hook reads an empty OPEN and no
            // running teardown as "all removed", and the JVM may end right after.
            OPEN.remove(this);
        }
    }

    /**
     * Runs inside the runner's namespace: the veth first (it takes the cell end with it), then the host
     * filter, the forwarding record and, once the veth is known gone, the slot (its subnet is reused).
     */
    private void removeFromHost() {
        boolean linkGone = !hostInterfaceCreated;
        if (hostInterfaceCreated) {
            try (RouteNetlink host = RouteNetlink.open()) {
                VethUplink.remove(host, names.hostInterface());
                linkGone = true;
            } catch (NetlinkError | OsError e) {
                log.accept("cannot remove " + names.hostInterface() + " (cell-runner gc will): " + e.getMessage());
            }
        }
        if (hostTable != null) {
            try {
                Nftables.Result removed = NftKernel.runner().run("delete table inet " + hostTable.name());
                if (!removed.ok() && !removed.errors().contains("No such file or directory")) {
                    log.accept("cannot remove nft table inet " + hostTable.name() + " (cell-runner gc will): "
                            + removed.error());
                }
            } catch (Nftables.Unavailable | OsError e) {
                log.accept("cannot remove nft table inet " + hostTable.name() + " (cell-runner gc will): "
                        + e.getMessage());
            }
        }
        if (forwarding != null) {
            try {
                forwarding.release(names.hostInterface(), note -> { });
            } catch (IOException e) {
                log.accept("cannot update the forwarding record: " + e.getMessage());
            }
        }
        if (slot != null && !linkGone) {
            log.accept("keeping uplink slot " + slot.index() + " until this runner exits: its veth may still exist");
        } else if (slot != null) {
            slot.close();
        }
    }

    private static String text(InetAddress address) {
        return Addresses.text(address);
    }
}
