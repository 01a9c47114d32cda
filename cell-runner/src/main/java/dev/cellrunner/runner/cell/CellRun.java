package dev.cellrunner.runner.cell;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.runner.cgroup.CellCgroup;
import dev.cellrunner.runner.cgroup.CellGroups;
import dev.cellrunner.runner.cgroup.CgroupObservation;
import dev.cellrunner.runner.cgroup.RunnerMigration;
import dev.cellrunner.runner.confine.ConfinementReport;
import dev.cellrunner.runner.confine.Confiner;
import dev.cellrunner.runner.confine.Landlock;
import dev.cellrunner.runner.confine.LandlockAuditLog;
import dev.cellrunner.runner.confine.LandlockPlan;
import dev.cellrunner.runner.egress.NameService;
import dev.cellrunner.runner.records.LandlockDenials;
import dev.cellrunner.runner.confine.PreparedConfinement;
import dev.cellrunner.runner.confine.Probe;
import dev.cellrunner.runner.egress.CellNetwork;
import dev.cellrunner.runner.egress.NetworkRefusal;
import dev.cellrunner.runner.mount.MountProgram;
import dev.cellrunner.runner.mount.MountedCell;
import dev.cellrunner.runner.mount.ProcMount;
import dev.cellrunner.runner.mount.StagedRoot;
import dev.cellrunner.runner.observe.CellView;
import dev.cellrunner.runner.observe.NetDev;
import dev.cellrunner.runner.observe.ProcStatus;
import dev.cellrunner.runner.os.ExitStatus;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.SpawnException;
import dev.cellrunner.runner.os.SpawnLock;
import dev.cellrunner.runner.os.SpawnRequest;
import dev.cellrunner.runner.os.SpawnedProcess;
import dev.cellrunner.runner.os.Spawner;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import dev.cellrunner.linux.Linux;

import static dev.cellrunner.linux.Linux.ENOENT;

/**
 * One cell from start to end: isolate, launch, observe, wait, kill what is left, report.
 * Emits the contract's events in order and returns the runner's exit status.
 *
 * <p>The launch sequence, in order; every step that shapes the cell runs on its launch thread:
 * <ol>
 *   <li>namespaces: net, mnt, pid, ipc, uts, every mount private, the hostname ({@link LaunchStart},
 *       while the runner plans);</li>
 *   <li>network: lo, the cell's ruleset, the uplink ({@link #isolateAndRun(CompletableFuture)});</li>
 *   <li>cgroup v1 placement of the launch thread, by a runner thread while the launch thread mounts and
 *       confines itself, done before the spawn ({@link #placeInV1Groups});</li>
 *   <li>mounts: the read-only host root, the cell's tmpfs, /dev, /run, an empty /proc, the declared
 *       paths, masks ({@link StagedRoot}: built by a helper thread in the cell's mount namespace while the
 *       launch thread sets up the network), then pivot_root ({@link #mount});</li>
 *   <li>identity, capabilities, no_new_privs, landlock (rules on the new mounts added first), seccomp
 *       ({@link #confineLaunchThread}); landlock comes after the /proc mount below instead, by PID 1, when
 *       rules name the cell's own /proc ({@link LandlockPlan#madeByPid1});</li>
 *   <li>spawn of cell-init, the cell's PID 1, born in the cell's cgroup ({@link #spawnInside}); it waits;</li>
 *   <li>the cell's /proc, of its PID namespace, now that the namespace has its first process
 *       ({@link ProcMount}: by the helper that built the root, still in the cell's mount namespace);</li>
 *   <li>observation from outside of PID 1 while it waits (its cgroups, status and namespaces while the helper
 *       mounts /proc, its mount table once that is done), then its go: it starts the workload
 *       ({@link #launchAndWait}), unless a stop from outside came first ({@link WorkloadRelease}).</li>
 * </ol>
 * The launch thread lives until the cell has ended: cell-init's parent-death signal follows it.
 */
public final class CellRun {
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(5);
    private static final Duration SHUTDOWN_REPORT_LIMIT = Duration.ofSeconds(10);
    private static final String SHUTDOWN = "the runner was told to stop (SIGTERM or SIGINT); the cell was killed";
    private static final String SHUTDOWN_BEFORE_START = "the runner was told to stop (SIGTERM or SIGINT)";

    private final CellPlan plan;
    private final LaunchStart launchStart;
    private final EventTrail trail;
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final Consumer<String> log;
    /** The runner's environment with its options applied (uplink pools, DNS upstream, ...). */
    private final Map<String, String> runnerSettings;
    private final CountDownLatch ended = new CountDownLatch(1);
    /** A stop from outside (shutdown, a client gone) against the workload's release: which came first. */
    private final WorkloadRelease release = new WorkloadRelease();
    private CellNetwork network;
    /** What the kernel's audit records tell of the cell's landlock denials (Linux 6.15+), once watched. */
    private LandlockAuditLog.Watching landlockAudit;
    /** The cell's cgroups, once created. */
    private volatile CellGroups groups;

    /**
     * @param launchStart the cell's launch thread, already entering its namespace (see {@link LaunchStart});
     *                    the run ends it when done with it, the caller in any case after {@link #run}
     */
    public CellRun(CellPlan plan, LaunchStart launchStart, EventTrail trail, OutputStream stdout, OutputStream stderr,
                   Consumer<String> log, Map<String, String> runnerSettings) {
        this.plan = plan;
        this.launchStart = launchStart;
        this.trail = trail;
        this.stdout = stdout;
        this.stderr = stderr;
        this.log = log;
        this.runnerSettings = runnerSettings;
    }

    public int run() {
        Thread stopper = new Thread(this::stopForShutdown, "cell-stop-on-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(stopper);
        } catch (IllegalStateException shuttingDown) {
            release.cancel(SHUTDOWN_BEFORE_START); // a resident runner got this cell while it was stopping
        }
        try {
            // written by a runner thread while the launch thread sets the network up; see launchAndWait
            trail.emitBeside(EventTypes.STARTED, CellEventData.started(plan.document(), plan.specDigest(),
                    trail.signingKey()), RunnerThreads.POOL);
            Phases.mark("started-emitted");
            return isolateAndRun();
        } catch (SinkException e) {
            log.accept(e.getMessage());
            return ExitCodes.SINK_FAILED;
        } finally {
            trail.close();
            Phases.mark("network-removed");
            ended.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waited for this run to end
            }
        }
    }

    /**
     * The runner is told to stop (SIGTERM, SIGINT): a cell must not outlive its supervisor, so its
     * processes are killed, and the run is given time to report that in its events before the JVM ends.
     */
    private void stopForShutdown() {
        cancel(SHUTDOWN);
        try {
            ended.await(SHUTDOWN_REPORT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the cell from outside (any thread): its processes are killed, or it never starts, and
     * {@code destroyed} gives {@code reason}. The first reason given is the one reported. Before the
     * workload's release only the reason is recorded: the run stops PID 1 at the release (see
     * {@link WorkloadRelease}).
     */
    public void cancel(String reason) {
        if (ended.getCount() == 0) {
            return; // too late: the cell has ended and its groups are gone
        }
        if (release.cancel(reason)) {
            // released: the spawn, the one instant the runner sits in the leaf, is over
            killGroup(groups.leaf());
        }
    }

    private int isolateAndRun() throws SinkException {
        if (release.stopReason() != null) {
            return refused("not started: " + release.stopReason());
        }
        // The cell's cgroups, temp dir and confinement programs do not depend on its network: built meanwhile.
        CompletableFuture<Preparation> preparing = CompletableFuture.supplyAsync(this::prepare, RunnerThreads.POOL);
        try {
            return isolateAndRun(preparing);
        } finally {
            Preparation prepared = preparing.join();
            prepared.release(log);
            Phases.mark("cgroups-removed");
        }
    }

    private int isolateAndRun(CompletableFuture<Preparation> preparing) throws SinkException {
        StagedRoot root = null;
        try (LaunchThread launch = launchStart.thread()) {
            NamespaceObservation namespace = isolateNetwork(launch);
            Phases.mark("netns");
            if (!namespace.isolated()) {
                trail.emit(EventTypes.NETWORK_POLICY, CellEventData.networkPolicy(plan, namespace, null));
                return refused("network.namespace: " + namespace.failure());
            }
            root = StagedRoot.start(launch.tid(), plan.confinement().mounts());
            try {
                network = CellNetwork.setUp(launch::submit, launch.tid(), plan.egress(), runnerSettings,
                        plan.hostAddresses(), plan.policy().allowHostEgress(), plan.egressMode(), log);
            } catch (NetworkRefusal refusal) {
                trail.emit(EventTypes.NETWORK_POLICY, CellEventData.networkPolicy(plan, namespace, refusal.partial()));
                trail.emit(EventTypes.NETWORK_ENFORCEMENT,
                        CellEventData.networkEnforcement(plan, null, refusal.partial(), null));
                return refused("network.egress: " + refusal.getMessage());
            }
            Phases.mark("network");
            try (CellNetwork removedAfterRun = network) {
                trail.emitBeside(EventTypes.NETWORK_POLICY, CellEventData.networkPolicy(plan, namespace, network.setup()),
                        RunnerThreads.POOL);
                return confineAndRun(launch, preparing.join(), root);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return refused("interrupted before the command started");
        } finally {
            if (root != null) {
                root.discard(); // a cell stopped before its pivot: what the build opened is closed
            }
        }
    }

    private int confineAndRun(LaunchThread launch, Preparation prepared, StagedRoot root)
            throws SinkException, InterruptedException {
        if (prepared.refusal() != null) {
            trail.emit(EventTypes.CONFINEMENT, CellEventData.refused(prepared.refusal()));
            return refused(prepared.refusal().getMessage());
        }
        groups = prepared.groups();
        MountedCell mounted = null;
        ProcMount proc = root.proc();
        CompletableFuture<Void> placed = null;
        try {
            List<Probe> probes;
            try {
                placed = placeInV1Groups(launch);
                mounted = mount(launch, root);
                Phases.mark("mounted");
                landlockAudit = watchLandlock(launch);
                probes = confineLaunchThread(launch, prepared.confinement(), mounted);
                awaitPlacement(placed);
                Phases.mark("confined");
            } catch (Refusal refusal) {
                trail.emit(EventTypes.CONFINEMENT, CellEventData.refused(refusal));
                return refused(refusal.getMessage());
            } finally {
                if (placed != null) {
                    placed.exceptionally(failed -> null).join(); // done before the groups can be removed
                }
                if (mounted != null) {
                    mounted.close(); // landlock holds its rules; the bind mounts hold their objects
                }
            }
            return launchAndWait(launch, probes, mounted, proc, prepared.confinement());
        } finally {
            proc.close(); // its helper ends if no PID 1 came
            launch.close(); // after the cell ended: cell-init's parent-death signal follows this thread
            if (landlockAudit != null) {
                landlockAudit.finish(); // a refused cell's watch ends too
            }
        }
    }

    /** Starts reading the landlock audit records of the domain the launch thread is about to make. */
    private LandlockAuditLog.Watching watchLandlock(LaunchThread launch) {
        if (plan.confinement().landlock().isEmpty()) {
            return new LandlockAuditLog.Watching(null, "the cell has no landlock domain");
        }
        return LandlockAuditLog.watch(plan.confinement().landlockAbi(), launch.tid(),
                NameService.recordLimit(runnerSettings));
    }

    /** The cell's mount view (see {@link MountProgram}), pivoted into on the launch thread; refused if it cannot be. */
    private MountedCell mount(LaunchThread launch, StagedRoot root) throws Refusal, InterruptedException {
        try {
            return launch.call(root::pivot);
        } catch (Refusal | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new Refusal("mounts", "cannot build the cell's mount view: " + e.getMessage(), e);
        }
    }

    /** Runs on a preparer thread while the launch thread isolates the network; never throws. */
    private Preparation prepare() {
        CellGroups created;
        try {
            created = CellGroups.create(plan.confinement().limits(), trail.run().runId(), log);
        } catch (Refusal refusal) {
            return new Preparation(null, null, refusal);
        } catch (RuntimeException e) {
            return new Preparation(null, null, new Refusal("run.limits", "cannot set up the cell's cgroups: " + e, e));
        }
        try {
            return new Preparation(created, Confiner.prepare(plan.confinement()), null);
        } catch (OsError | RuntimeException e) {
            return new Preparation(created, null, new Refusal("confinement", e.getMessage(), e));
        }
    }

    /** What {@link #prepare} built, or why it could not. */
    private record Preparation(CellGroups groups, PreparedConfinement confinement, Refusal refusal) {
        /** Removes the groups and closes what the launch thread did not take (after the launch thread ended). */
        void release(Consumer<String> log) {
            if (confinement != null) {
                confinement.close();
            }
            if (groups != null) {
                groups.remove(log);
            }
        }
    }

    private NamespaceObservation isolateNetwork(LaunchThread launch) {
        long pid = ProcessHandle.current().pid();
        try {
            LaunchThread.await(launchStart.namespace());
        } catch (Exception e) {
            return NamespaceObservation.failed(e.getMessage());
        }
        try {
            int tid = launch.tid();
            String cell = NetworkNamespace.identityOf(pid, tid);
            String runner = NetworkNamespace.identityOf(pid, pid);
            List<String> interfaces = NetDev.interfacesOf(pid, tid);
            boolean isolated = !cell.equals(runner) && interfaces.equals(List.of("lo"));
            return new NamespaceObservation(isolated, cell, runner, interfaces,
                    "/proc/" + pid + "/task/" + tid + "/ns/net and net/dev",
                    isolated ? null : "the kernel does not show a fresh loopback-only namespace");
        } catch (IOException e) {
            return NamespaceObservation.failed("cannot observe the namespace: " + e.getMessage());
        }
    }

    /** Confines the launch thread (see {@link Confiner}); a probe that does not hold refuses the cell. */
    private List<Probe> confineLaunchThread(LaunchThread launch, PreparedConfinement prepared, MountedCell mounted)
            throws Refusal, InterruptedException {
        List<Probe> probes;
        try {
            probes = launch.call(() -> Confiner.apply(plan.confinement(), prepared, mounted));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new Refusal("confinement", e.getMessage(), e);
        }
        for (Probe probe : probes) {
            if (!probe.holds()) {
                throw new Refusal(probe.control(), probe.probe() + " answered " + probe.observed() + ", expected "
                        + probe.expected());
            }
        }
        return probes;
    }

    /**
     * cgroup v1 places threads: the workload is born in the groups its launch thread is in. Started on a
     * runner thread, as each write to a {@code tasks} file may wait for the kernel's RCU grace period;
     * the spawn waits for it ({@link #awaitPlacement}).
     */
    private CompletableFuture<Void> placeInV1Groups(LaunchThread launch) {
        int tid = launch.tid();
        return CompletableFuture.runAsync(() -> {
            try {
                groups.limits().placeThread(tid);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, RunnerThreads.POOL);
    }

    private static void awaitPlacement(CompletableFuture<Void> placed) throws Refusal {
        try {
            placed.join();
        } catch (CompletionException e) {
            throw new Refusal("run.limits", "cannot place the launch thread in the cell's cgroup v1 groups: "
                    + (e.getCause() instanceof UncheckedIOException io ? io.getCause().getMessage() : e.getCause()),
                    e.getCause());
        }
    }

    private int launchAndWait(LaunchThread launch, List<Probe> probes, MountedCell mounted, ProcMount procMount,
                              PreparedConfinement confinement) throws SinkException, InterruptedException {
        // the events handed to runner threads are written before any process of the cell exists: a trail
        // that cannot take them ends the run here (exit 74), as it would have when they were emitted
        trail.awaitBeside();
        long startNanos = System.nanoTime();
        // one bound for every wait of the run on its PID 1, counted from the cell's start
        Deadline lifetime = Deadline.after(startNanos, plan.lifetime());
        if (plan.executable().isEmpty()) {
            return finish(spawnFailed(startNanos, ExitCodes.NOT_FOUND,
                    plan.argv().get(0) + ": not found (PATH=" + plan.environment().get("PATH") + ")"));
        }
        if (release.stopReason() != null) {
            return finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE, "not started: " + release.stopReason()));
        }
        Optional<Pid1.DomainByPid1> domainByPid1 = domainByPid1(launch, confinement);
        try (Pid1 pid1 = Pid1.open()) {
            SpawnedProcess init;
            try {
                init = spawnInside(launch, pid1.request(plan.executable().orElseThrow().toString(), plan.argv(),
                        plan.environment(), plan.workingDirectory(), domainByPid1), procMount::begin);
            } catch (SpawnException e) {
                return finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE, "cannot start the cell's PID 1: "
                        + e.getMessage()));
            } finally {
                pid1.spawned();
            }
            Phases.mark("spawned");
            if (domainByPid1.isPresent() && landlockAudit != null) {
                landlockAudit.madeBy(init.pid()); // PID 1 makes the domain its audit records name
            }
            tightenLimits(launch);
            OutputPump out = new OutputPump(init.stdout(), stdout);
            OutputPump err = new OutputPump(init.stderr(), stderr);
            Observed observed = observeConfinement(launch, init.pid(), probes, mounted, procMount,
                    domainByPid1.isPresent() ? confinement : null);
            Phases.mark("observed");
            if (observed.mismatch() != null) {
                emitConfinement(observed);
                killGroup(groups.leaf());
                return finish(await(init, pid1, groups.leaf(), lifetime, startNanos, out, err), observed.mismatch());
            }
            boolean released = release.release(pid1::go);
            // the threads the cell's end needs are started by a runner thread while PID 1 starts the workload
            RunnerThreads.POOL.execute(network::readyForEnd);
            if (!released) {
                killGroup(groups.leaf()); // PID 1 waits for a go that will not come (or has ended already)
            }
            InitMessage first = null;
            if (released) {
                try {
                    first = pid1.next(lifetime);
                } catch (LifetimeExpired e) {
                    // PID 1 is held between the go and its report: await finds the lifetime passed and kills the cell
                    log.accept("the cell's PID 1 did not say whether the command started within the lifetime of "
                            + plan.lifetime().toMillis() + " ms");
                }
            }
            if (first instanceof InitMessage.Landlocked landlocked) {
                Optional<Probe> probe = domainByPid1.orElseThrow().probe().map(path -> pid1Probe(path, landlocked));
                observed.report().landlockMadeByPid1(probe);
                Optional<String> mismatch = observed.report().mismatch();
                if (mismatch.isPresent()) { // PID 1's probe did not hold: it starts nothing
                    emitConfinement(observed);
                    killGroup(groups.leaf());
                    return finish(await(init, pid1, groups.leaf(), lifetime, startNanos, out, err), mismatch.get());
                }
                try {
                    first = pid1.next(lifetime);
                } catch (LifetimeExpired e) {
                    first = null; // as above: await finds the lifetime passed
                }
            }
            if (first instanceof InitMessage.Started started) {
                if (observed.report() != null) {
                    observed.report().workload(workloadHostPid(init.pid(), started.pid()), started.pid());
                }
                pid1.workloadSeen(); // cell-init kept the workload unreaped, so /proc still showed it
                emitConfinement(observed);
                return finish(await(init, pid1, groups.leaf(), lifetime, startNanos, out, err));
            }
            pid1.workloadSeen(); // whatever it said (or not): it must not wait for this byte
            emitConfinement(observed);
            Outcome ended = await(init, pid1, groups.leaf(), lifetime, startNanos, out, err);
            String executable = plan.executable().get().toString();
            if (first instanceof InitMessage.ExecFailed failed) {
                return finish(spawnFailed(startNanos, failed.errno() == ENOENT ? ExitCodes.NOT_FOUND : ExitCodes.CANNOT_EXECUTE,
                        executable + ": " + LibC.INSTANCE.strerror(failed.errno()), ended));
            }
            if (first instanceof InitMessage.InitFailed failed) {
                return finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE, "the cell's PID 1 could not start it: "
                        + LibC.INSTANCE.strerror(failed.errno()), ended));
            }
            return switch (release.report()) {
                // PID 1 was killed (a cancel, the OOM killer) before it said so: the workload may well have run
                case RELEASED -> finish(ended);
                case STOPPED_BEFORE_RELEASE -> finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE,
                        "not started: " + release.stopReason(), ended));
                case PID1_ENDED_BEFORE_RELEASE -> finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE,
                        "the cell's PID 1 ended before it started it", ended));
            };
        } catch (OsError e) {
            return finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE, "cannot start: " + e.getMessage()));
        }
    }


    /** What PID 1 is told to do to make the cell's landlock domain, when it makes it ({@link LandlockPlan#madeByPid1}). */
    private Optional<Pid1.DomainByPid1> domainByPid1(LaunchThread launch, PreparedConfinement confinement) {
        int ruleset = confinement.rulesetForPid1(plan.confinement());
        if (ruleset < 0) {
            return Optional.empty();
        }
        LandlockPlan landlock = plan.confinement().landlock().orElseThrow();
        return Optional.of(new Pid1.DomainByPid1(ruleset, LandlockAuditLog.threadName(launch.tid()),
                Landlock.restrictFlags(landlock.abi()), landlock.pid1Probe()));
    }

    /** PID 1's own probe of the domain it made: opening {@code path} must be refused. */
    private static Probe pid1Probe(Path path, InitMessage.Landlocked landlocked) {
        return new Probe("landlock", "open(" + path + ", O_RDONLY) by PID 1 after its landlock_restrict_self", "EACCES",
                landlocked.probeErrno() == 0 ? "success" : Linux.errnoName(landlocked.probeErrno()));
    }

    /** The workload's PID on the host: the child of PID 1 whose PID in the cell is {@code cellPid}. */
    private static long workloadHostPid(long init, int cellPid) {
        try {
            String children = Files.readString(Path.of("/proc", Long.toString(init), "task", Long.toString(init), "children"));
            for (String child : children.trim().split("\\s+")) {
                if (!child.isEmpty() && Integer.toString(cellPid).equals(ProcStatus.read(Long.parseLong(child)).pidInItsNamespace())) {
                    return Long.parseLong(child);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // it has ended already
        }
        return -1;
    }

    /**
     * Moves the runner into the cell's group for the instant of the spawn, so the child is born there;
     * {@code born} gets the child's PID as soon as it exists, before the runner moves back (a wait on the
     * kernel that the /proc helper's mounts then overlap).
     */
    private SpawnedProcess spawnInside(LaunchThread launch, SpawnRequest request, LongConsumer born)
            throws SpawnException, OsError, InterruptedException {
        Path home = groups.runnerHome();
        SpawnLock.LOCK.lock();
        try {
            try {
                groups.admitRunner();
            } catch (IOException e) {
                throw new OsError("cannot raise pids.max for the spawn: " + e.getMessage());
            }
            RunnerMigration.moveRunnerTo(groups.leaf().dir());
            try {
                SpawnedProcess spawned = launch.call(() -> Spawner.spawn(request));
                born.accept(spawned.pid());
                return spawned;
            } catch (SpawnException | OsError | InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new OsError("spawn: " + e.getMessage());
            } finally {
                RunnerMigration.moveRunnerTo(home);
            }
        } catch (IOException e) {
            throw new OsError("cannot move the runner into the cell's cgroup for the spawn: " + e.getMessage());
        } finally {
            SpawnLock.LOCK.unlock();
        }
    }

    /** The exact limits, with the runner and the launch thread out of the groups; observation checks them. */
    private void tightenLimits(LaunchThread launch) {
        try {
            groups.limits().tighten();
            groups.limits().releaseThread(launch.tid());
        } catch (IOException e) {
            log.accept("cannot set the exact cgroup limits: " + e.getMessage());
        }
    }

    /** The confinement event's data (a refusal's when PID 1 could not be observed) and why the cell must die, or null. */
    private record Observed(ConfinementReport report, ObjectNode refusedData, String mismatch) {
    }

    /**
     * Reads PID 1's confinement from outside, before it starts the workload; requested next to observed. Its
     * cgroups, status and namespaces are read while {@code procMount}'s helper mounts the cell's /proc; its mount
     * table and private paths once that is done. A /proc that cannot be mounted refuses the cell first.
     */
    private Observed observeConfinement(LaunchThread launch, int pid, List<Probe> probes, MountedCell mounted,
                                        ProcMount procMount, PreparedConfinement forPid1) {
        ProcStatus status = null;
        CgroupObservation cgroups = null;
        List<CellView.Namespace> namespaces = null;
        IOException unobserved = null;
        try {
            cgroups = CgroupObservation.of(pid, groups);
            status = ProcStatus.read(pid); // second: if it shows an exited process, the cgroup lines may be stale
            namespaces = CellView.namespacesOf(pid);
        } catch (IOException e) {
            unobserved = e;
        }
        String proc;
        try {
            proc = procMount.mounted();
        } catch (OsError e) {
            String reason = "cannot mount the cell's /proc: " + e.getMessage();
            return new Observed(null, CellEventData.refused(new Refusal("mounts", reason)), reason);
        }
        Phases.mark("proc-mounted");
        if (forPid1 != null) {
            try {
                probes = new ArrayList<>(probes);
                probes.addAll(launch.call(() -> Confiner.completeForPid1(plan.confinement(), forPid1)));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                String reason = "cannot complete the cell's landlock domain: " + e.getMessage();
                return new Observed(null, CellEventData.refused(new Refusal("landlock", reason)), reason);
            }
        }
        CellView view;
        try {
            if (unobserved != null) {
                throw unobserved;
            }
            view = CellView.of(pid, namespaces, plan.confinement().mounts().privatePaths());
        } catch (IOException e) {
            String reason = "cannot observe the cell's PID 1 in /proc/" + pid + ": " + e.getMessage();
            return new Observed(null, CellEventData.refused(new Refusal("confinement", reason)), reason);
        }
        ConfinementReport report = ConfinementReport.of(plan.confinement(), probes, pid, status, cgroups, view,
                new MountedCell(mounted.declared(), proc), CellHostname.of(plan.cellId()));
        return new Observed(report, null, report.mismatch().orElse(null));
    }

    private void emitConfinement(Observed observed) throws SinkException {
        trail.emit(EventTypes.CONFINEMENT, observed.report() != null ? observed.report().data() : observed.refusedData());
    }

    /**
     * Waits for PID 1 (it ends when the workload does, and the kernel then ends the rest of the cell),
     * until {@code lifetime}; the workload's own status comes from PID 1's report. Past the lifetime the
     * cell is killed, and what follows (reaping PID 1, its last report, the output) waits no longer than
     * {@link #DRAIN_LIMIT}: a process stuck in the kernel (an exec on a hung FUSE or NFS mount) ignores
     * SIGKILL and keeps PID 1 unreaped and the pipes open, and the run must still end and report.
     */
    private Outcome await(SpawnedProcess init, Pid1 pid1, CellCgroup cgroup, Deadline lifetime, long startNanos,
                          OutputPump out, OutputPump err) throws InterruptedException {
        boolean timedOut = false;
        ExitStatus status;
        Deadline drained;
        try {
            // on this thread: a wait handed to another thread costs two wake-ups where this costs one
            status = init.waitFor(() -> lifetime.pollMillis(System.nanoTime()));
            drained = Deadline.after(System.nanoTime(), DRAIN_LIMIT);
            if (status == null) {
                timedOut = true;
                killGroup(cgroup);
                status = reapedAfterKill(init, drained);
            }
        } catch (OsError e) {
            throw new IllegalStateException("cannot reap the cell's process", e);
        }
        Pid1.Ending ending = pid1.ending(status, drained);
        long durationMs = (System.nanoTime() - startNanos) / 1_000_000;
        Phases.mark("exited");
        // killed already when timed out: a second kill would only wait again for what cannot die
        boolean forced = timedOut || ending.othersLeft() | killGroup(cgroup) > 0;
        long stdoutBytes = out.awaitEnd(drained);
        long stderrBytes = err.awaitEnd(drained);
        int exitCode = timedOut ? ExitCodes.TIMED_OUT : ending.status().shellStatus();
        return new Outcome(ending.status(), exitCode, durationMs, timedOut, null, stdoutBytes, stderrBytes, forced);
    }

    /**
     * PID 1's status once the kernel lets it go after the kill; SIGKILL as sent if it cannot before
     * {@code drained} (PID 1 is held until every process of its namespace has ended).
     */
    private ExitStatus reapedAfterKill(SpawnedProcess init, Deadline drained) throws OsError {
        ExitStatus status = init.waitFor(() -> drained.pollMillis(System.nanoTime()));
        if (status == null) {
            log.accept("the cell's PID 1 (" + init.pid() + ") was not released " + DRAIN_LIMIT.toMillis() + " ms after "
                    + "SIGKILL: a process of the cell is stuck in the kernel (a hung filesystem?) and ignores it; "
                    + "the run ends without it");
            RunnerThreads.POOL.execute(() -> reapWhenReleased(init)); // not left a zombie once it is let go
            return ExitStatus.killed(Linux.SIGKILL, false);
        }
        return status;
    }

    private void reapWhenReleased(SpawnedProcess init) {
        try {
            init.waitFor();
        } catch (OsError e) {
            log.accept("cannot reap the cell's PID 1 (" + init.pid() + "): " + e.getMessage());
        }
    }

    /** Kills whatever is still in the group and waits for the kernel to report it empty. */
    private int killGroup(CellCgroup cgroup) {
        try {
            int killed = cgroup.killAll();
            if (!cgroup.awaitEmpty(DRAIN_LIMIT)) {
                log.accept("cell processes still present after SIGKILL: " + cgroup.pids());
            }
            return killed;
        } catch (IOException e) {
            log.accept("cannot kill the cell's processes: " + e.getMessage());
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private Outcome spawnFailed(long startNanos, int exitCode, String reason) {
        log.accept("cannot start the command: " + reason);
        return new Outcome(null, exitCode, (System.nanoTime() - startNanos) / 1_000_000, false, reason, 0, 0, false);
    }

    /** The command never ran, but PID 1 did: its output is counted, and whether anything had to be killed. */
    private Outcome spawnFailed(long startNanos, int exitCode, String reason, Outcome pid1) {
        log.accept("cannot start the command: " + reason);
        return new Outcome(null, exitCode, (System.nanoTime() - startNanos) / 1_000_000, false, reason,
                pid1.stdoutBytes(), pid1.stderrBytes(), pid1.forced());
    }

    private int finish(Outcome outcome) throws SinkException {
        return finish(outcome, null);
    }

    /**
     * Reports the end of a cell. A confinement mismatch found after start ends as {@code failed} (the
     * command did start, so not {@code refused}), {@code forced}, with exit 69: a control did not hold.
     */
    private int finish(Outcome outcome, String confinementMismatch) throws SinkException {
        LandlockAuditLog.Watching watching = landlockAudit;
        landlockAudit = null;
        LandlockDenials landlockDenials = watching == null
                ? LandlockDenials.notRecorded("the cell never got its landlock domain") : watching.finish();
        trail.emit(EventTypes.NETWORK_ENFORCEMENT, CellEventData.networkEnforcement(plan, outcome.exit(),
                network.setup(), network.observeAfterRun(landlockDenials)));
        ObjectNode completed = CellEventData.completed(outcome);
        CellEventData.landlockDenials(completed, landlockDenials);
        if (groups != null && !groups.limits().plan().limits().isEmpty()) {
            completed.set("limits", CellEventData.JSON.valueToTree(groups.limits().counters()));
        }
        trail.emit(EventTypes.COMMAND_COMPLETED, completed);
        // while the trail is synced (a wait on the disk, not on the processors), not on the way to the next cell
        LaunchStart.makeNextAhead();
        trail.sync();
        if (confinementMismatch != null) {
            log.accept("killed: " + confinementMismatch);
            trail.emit(EventTypes.DESTROYED, CellEventData.destroyed("failed", "forced", confinementMismatch));
            trail.sync();
            return ExitCodes.REFUSED;
        }
        String stopped = release.stopReason();
        String result = outcome.exitCode() == 0 && stopped == null ? "succeeded" : "failed";
        String reason = outcome.timedOut() ? "lifetime of " + plan.lifetime().toMillis() + " ms expired" : stopped;
        trail.emit(EventTypes.DESTROYED, CellEventData.destroyed(result,
                outcome.forced() || stopped != null ? "forced" : "clean", reason));
        trail.sync();
        Phases.mark("destroyed-synced");
        return outcome.exitCode();
    }

    private int refused(String reason) throws SinkException {
        log.accept("refused: " + reason);
        trail.emit(EventTypes.DESTROYED, CellEventData.destroyed("refused", "clean", reason));
        trail.sync();
        return ExitCodes.REFUSED;
    }
}
