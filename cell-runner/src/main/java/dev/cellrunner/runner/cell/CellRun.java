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
import dev.cellrunner.runner.confine.PreparedConfinement;
import dev.cellrunner.runner.confine.PrivateTempDir;
import dev.cellrunner.runner.confine.Probe;
import dev.cellrunner.runner.egress.CellNetwork;
import dev.cellrunner.runner.egress.NetworkRefusal;
import dev.cellrunner.runner.observe.NetDev;
import dev.cellrunner.runner.observe.ProcStatus;
import dev.cellrunner.runner.os.ExitStatus;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.SpawnException;
import dev.cellrunner.runner.os.SpawnLock;
import dev.cellrunner.runner.os.SpawnRequest;
import dev.cellrunner.runner.os.SpawnedProcess;
import dev.cellrunner.runner.os.Spawner;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One cell from start to end: isolate, launch, observe, wait, kill what is left, report.
 * Emits the contract's events in order and returns the runner's exit status.
 */
public final class CellRun {
    private static final int ENOENT = 2;
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
    private final CountDownLatch ended = new CountDownLatch(1);
    /** Why the cell is being stopped from outside (shutdown, a client gone); then nothing more may start. */
    private volatile String stopReason;
    private CellNetwork network;
    /** The cell's cgroups, once created. */
    private volatile CellGroups groups;

    /**
     * @param launchStart the cell's launch thread, already entering its namespace (see {@link LaunchStart});
     *                    the run ends it when done with it, the caller in any case after {@link #run}
     */
    public CellRun(CellPlan plan, LaunchStart launchStart, EventTrail trail, OutputStream stdout, OutputStream stderr,
                   Consumer<String> log) {
        this.plan = plan;
        this.launchStart = launchStart;
        this.trail = trail;
        this.stdout = stdout;
        this.stderr = stderr;
        this.log = log;
    }

    public int run() {
        Thread stopper = new Thread(this::stopForShutdown, "cell-stop-on-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(stopper);
        } catch (IllegalStateException shuttingDown) {
            stopReason = SHUTDOWN_BEFORE_START; // a resident runner got this cell while it was stopping
        }
        try {
            trail.emit(EventTypes.STARTED, CellEventData.started(plan.document(), plan.specDigest(), trail.signingKey()));
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
     * {@code destroyed} gives {@code reason}. The first reason given is the one reported.
     */
    public void cancel(String reason) {
        if (ended.getCount() == 0) {
            return; // too late: the cell has ended and its groups are gone
        }
        if (stopReason == null) {
            stopReason = reason;
        }
        CellGroups cellGroups = groups;
        if (cellGroups != null) {
            // While a workload is being born the runner itself sits in the leaf: killing it then would kill the runner.
            SpawnLock.LOCK.lock();
            try {
                killGroup(cellGroups.leaf());
            } finally {
                SpawnLock.LOCK.unlock();
            }
        }
    }

    private int isolateAndRun() throws SinkException {
        if (stopReason != null) {
            return refused("not started: " + stopReason);
        }
        // The cell's cgroups, temp dir and confinement programs do not depend on its network: built meanwhile.
        CompletableFuture<Preparation> preparing = CompletableFuture.supplyAsync(this::prepare, RunnerThreads.POOL);
        try {
            return isolateAndRun(preparing);
        } finally {
            Preparation prepared = preparing.join();
            prepared.release(log);
            removeTempDir();
            Phases.mark("cgroups-removed");
        }
    }

    private int isolateAndRun(CompletableFuture<Preparation> preparing) throws SinkException {
        try (LaunchThread launch = launchStart.thread()) {
            NamespaceObservation namespace = isolateNetwork(launch);
            Phases.mark("netns");
            if (!namespace.isolated()) {
                trail.emit(EventTypes.NETWORK_POLICY, CellEventData.networkPolicy(plan, namespace, null));
                return refused("network.namespace: " + namespace.failure());
            }
            try {
                network = CellNetwork.setUp(launch::call, launch.tid(), plan.egress(), System.getenv(), log);
            } catch (NetworkRefusal refusal) {
                trail.emit(EventTypes.NETWORK_POLICY, CellEventData.networkPolicy(plan, namespace, refusal.partial()));
                trail.emit(EventTypes.NETWORK_ENFORCEMENT,
                        CellEventData.networkEnforcement(plan, null, refusal.partial(), null));
                return refused("network.egress: " + refusal.getMessage());
            }
            Phases.mark("network");
            try (CellNetwork removedAfterRun = network) {
                trail.emit(EventTypes.NETWORK_POLICY, CellEventData.networkPolicy(plan, namespace, network.setup()));
                return confineAndRun(launch, preparing.join());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return refused("interrupted before the command started");
        }
    }

    private int confineAndRun(LaunchThread launch, Preparation prepared) throws SinkException, InterruptedException {
        if (prepared.refusal() != null) {
            trail.emit(EventTypes.CONFINEMENT, CellEventData.refused(prepared.refusal()));
            return refused(prepared.refusal().getMessage());
        }
        groups = prepared.groups();
        try {
            List<Probe> probes;
            try {
                placeInV1Groups(launch);
                probes = confineLaunchThread(launch, prepared.confinement());
                Phases.mark("confined");
            } catch (Refusal refusal) {
                trail.emit(EventTypes.CONFINEMENT, CellEventData.refused(refusal));
                return refused(refusal.getMessage());
            }
            return launchAndWait(launch, probes);
        } finally {
            launch.close(); // a v1 group cannot be removed while the launch thread is in it
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
            createTempDir();
            return new Preparation(created, Confiner.prepare(plan.confinement()), null);
        } catch (Refusal refusal) {
            return new Preparation(created, null, refusal);
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

    private void createTempDir() throws Refusal {
        try {
            PrivateTempDir.create(plan.confinement().tempDir(), plan.confinement().identity());
        } catch (IOException e) {
            throw new Refusal("confinement", "cannot create the cell's temp dir: " + e.getMessage(), e);
        }
    }

    private void removeTempDir() {
        try {
            PrivateTempDir.remove(plan.confinement().tempDir());
        } catch (IOException e) {
            log.accept("cannot remove " + plan.confinement().tempDir() + ": " + e.getMessage());
        }
    }

    /** Confines the launch thread (see {@link Confiner}); a probe that does not hold refuses the cell. */
    private List<Probe> confineLaunchThread(LaunchThread launch, PreparedConfinement prepared)
            throws Refusal, InterruptedException {
        List<Probe> probes;
        try {
            probes = launch.call(() -> Confiner.apply(plan.confinement(), prepared));
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

    /** cgroup v1 places threads: the workload is born in the groups its launch thread is in. */
    private void placeInV1Groups(LaunchThread launch) throws Refusal {
        try {
            groups.limits().placeThread(launch.tid());
        } catch (IOException e) {
            throw new Refusal("run.limits", "cannot place the launch thread in the cell's cgroup v1 groups: "
                    + e.getMessage(), e);
        }
    }

    private int launchAndWait(LaunchThread launch, List<Probe> probes)
            throws SinkException, InterruptedException {
        long startNanos = System.nanoTime();
        if (plan.executable().isEmpty()) {
            return finish(spawnFailed(startNanos, ExitCodes.NOT_FOUND,
                    plan.argv().get(0) + ": not found (PATH=" + plan.environment().get("PATH") + ")"));
        }
        if (stopReason != null) {
            return finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE, "not started: " + stopReason));
        }
        SpawnedProcess process;
        try {
            process = spawnInside(launch);
        } catch (SpawnException e) {
            return finish(spawnFailed(startNanos, e.errno() == ENOENT ? ExitCodes.NOT_FOUND : ExitCodes.CANNOT_EXECUTE,
                    e.getMessage()));
        } catch (Exception e) {
            return finish(spawnFailed(startNanos, ExitCodes.CANNOT_EXECUTE, "cannot start: " + e.getMessage()));
        }
        Phases.mark("spawned");
        if (stopReason != null) {
            killGroup(groups.leaf()); // cancelled while it was being born: cancel() may have found the group empty
        }
        tightenLimits(launch);
        launch.close();
        OutputPump out = new OutputPump(process.stdout(), stdout);
        OutputPump err = new OutputPump(process.stderr(), stderr);
        String mismatch = observeConfinement(process.pid(), probes);
        Phases.mark("observed");
        if (mismatch != null) {
            killGroup(groups.leaf());
        }
        return finish(await(process, groups.leaf(), startNanos, out, err), mismatch);
    }

    /** Moves the runner into the cell's group for the instant of the spawn, so the child is born there. */
    private SpawnedProcess spawnInside(LaunchThread launch) throws Exception {
        SpawnRequest request = new SpawnRequest(plan.executable().orElseThrow().toString(), plan.argv(),
                plan.environment(), plan.workingDirectory(), false);
        Path home = groups.runnerHome();
        SpawnLock.LOCK.lock();
        try {
            groups.admitRunner();
            RunnerMigration.moveRunnerTo(groups.leaf().dir());
            try {
                return launch.call(() -> Spawner.spawn(request));
            } finally {
                RunnerMigration.moveRunnerTo(home);
            }
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

    /** Emits requested next to observed; returns why the cell must be killed, or null when all holds. */
    private String observeConfinement(int pid, List<Probe> probes) throws SinkException {
        ProcStatus status;
        CgroupObservation cgroups;
        try {
            cgroups = CgroupObservation.of(pid, groups);
            status = ProcStatus.read(pid); // second: if it shows an exited process, the cgroup lines may be stale
        } catch (IOException e) {
            String reason = "cannot observe the workload in /proc/" + pid + ": " + e.getMessage();
            trail.emit(EventTypes.CONFINEMENT, CellEventData.refused(new Refusal("confinement", reason)));
            return reason;
        }
        ConfinementReport report = ConfinementReport.of(plan.confinement(), probes, pid, status, cgroups);
        trail.emit(EventTypes.CONFINEMENT, report.data());
        return report.mismatches().isEmpty() ? null : "confinement mismatch: " + String.join("; ", report.mismatches());
    }

    private Outcome await(SpawnedProcess process, CellCgroup cgroup, long startNanos, OutputPump out,
                          OutputPump err) throws InterruptedException {
        CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
        RunnerThreads.POOL.execute(() -> {
            try {
                exited.complete(process.waitFor());
            } catch (OsError | RuntimeException e) {
                exited.completeExceptionally(e);
            }
        });
        boolean timedOut = false;
        ExitStatus status;
        try {
            try {
                status = exited.get(plan.lifetime().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                timedOut = true;
                killGroup(cgroup);
                status = exited.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot reap the cell's process", e.getCause());
        }
        long durationMs = (System.nanoTime() - startNanos) / 1_000_000;
        Phases.mark("exited");
        boolean forced = timedOut | killGroup(cgroup) > 0;
        long stdoutBytes = awaitDrain(out);
        long stderrBytes = awaitDrain(err);
        int exitCode = timedOut ? ExitCodes.TIMED_OUT : status.shellStatus();
        return new Outcome(status, exitCode, durationMs, timedOut, null, stdoutBytes, stderrBytes, forced);
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

    private long awaitDrain(OutputPump pump) throws InterruptedException {
        return pump.awaitEnd();
    }

    private Outcome spawnFailed(long startNanos, int exitCode, String reason) {
        log.accept("cannot start the command: " + reason);
        return new Outcome(null, exitCode, (System.nanoTime() - startNanos) / 1_000_000, false, reason, 0, 0, false);
    }

    private int finish(Outcome outcome) throws SinkException {
        return finish(outcome, null);
    }

    /**
     * Reports the end of a cell. A confinement mismatch found after start ends as {@code failed} (the
     * command did start, so not {@code refused}), {@code forced}, with exit 69: a control did not hold.
     */
    private int finish(Outcome outcome, String confinementMismatch) throws SinkException {
        trail.emit(EventTypes.NETWORK_ENFORCEMENT, CellEventData.networkEnforcement(plan, outcome.exit(),
                network.setup(), network.observeAfterRun()));
        ObjectNode completed = CellEventData.completed(outcome);
        if (groups != null && !groups.limits().plan().limits().isEmpty()) {
            completed.set("limits", CellEventData.JSON.valueToTree(groups.limits().counters()));
        }
        trail.emit(EventTypes.COMMAND_COMPLETED, completed);
        trail.sync();
        if (confinementMismatch != null) {
            log.accept("killed: " + confinementMismatch);
            trail.emit(EventTypes.DESTROYED, CellEventData.destroyed("failed", "forced", confinementMismatch));
            trail.sync();
            return ExitCodes.REFUSED;
        }
        String stopped = stopReason;
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
