package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.runner.cell.CellPlan;
import dev.cellrunner.runner.cell.CellPlanner;
import dev.cellrunner.runner.cell.CellRun;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.LaunchStart;
import dev.cellrunner.runner.cell.Phases;
import dev.cellrunner.runner.cell.Provenance;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cell.RefusedCell;
import dev.cellrunner.runner.cell.RunnerPolicy;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.runner.cell.RunnerThreads;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.runner.confine.IdentityPlanner;
import dev.cellrunner.runner.confine.UidAllocator;
import dev.cellrunner.runner.dns.Upstream;
import dev.cellrunner.runner.egress.HostResolver;
import dev.cellrunner.runner.egress.StateDirectory;
import dev.cellrunner.runner.egress.NameService;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpec;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.Correlation;
import dev.cellrunner.spec.SpecReadResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Runs cells with one runner's settings (sinks, signing key): validate the document, open the sinks,
 * plan, run. One per {@code run}, {@code serve} or {@code worker}; {@link #launch} may be called from many
 * threads at once.
 */
final class CellLauncher {
    private final List<String> targets;
    private final HttpEventOptions http;
    private final BrokerOptions brokers;
    private final Map<String, String> env;
    /** The operator's key, or null: each cell then signs with a fresh key of its own. */
    private final SigningKey fixedKey;
    private final List<Path> runnerFiles;
    private final RunnerPolicy policy;
    private final UidAllocator uids;
    /** The runner's own messages: a cell's uid is released after its status, and its messages, went out. */
    private final Consumer<String> runnerLog;

    private CellLauncher(List<String> targets, HttpEventOptions http, BrokerOptions brokers, Map<String, String> env,
                         SigningKey fixedKey, List<Path> runnerFiles, RunnerPolicy policy, Consumer<String> runnerLog) {
        this.targets = targets;
        this.http = http;
        this.brokers = brokers;
        this.env = env;
        this.fixedKey = fixedKey;
        this.runnerFiles = runnerFiles;
        this.policy = policy;
        this.uids = new UidAllocator(policy.uidRange(), StateDirectory.of(env));
        this.runnerLog = runnerLog;
    }

    /** Checks the options once for all cells; a bad one is reported and gives nothing (exit 64). */
    static Optional<CellLauncher> create(RunnerOptions options, Map<String, String> env, Consumer<String> log) {
        return create(options, env, log, List.of());
    }

    /** @param morePrivate more paths of this runner its cells must not see (serve: the socket's directory) */
    static Optional<CellLauncher> create(RunnerOptions options, Map<String, String> env, Consumer<String> log,
                                         List<Path> morePrivate) {
        try {
            List<String> targets = EventSinkOptions.targets(options.events, options.http, env, log);
            EventSinkOptions.checkPaths(targets);
            SigningKey key = SigningKeyOptions.configured(options.signingKey, env);
            Map<String, String> settings = env;
            if (options.dnsUpstream != null) {
                Upstream.parse(options.dnsUpstream); // a bad address is a usage error, before any cell
                settings = new java.util.HashMap<>(env);
                settings.put(NameService.UPSTREAM, options.dnsUpstream);
            }
            List<Path> runnerFiles = new ArrayList<>(EventSinkOptions.runnerFiles(targets, options.http, options.brokers,
                    env, options.signingKey));
            runnerFiles.add(StateDirectory.of(env));
            runnerFiles.addAll(morePrivate);
            return Optional.of(new CellLauncher(targets, options.http, options.brokers, Map.copyOf(settings), key,
                    List.copyOf(runnerFiles), options.policy.policy(env), log));
        } catch (IllegalArgumentException e) {
            log.accept(e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Where one cell's output and messages go, and what may watch or stop it; {@code workItem} (or null)
     * is the work queue message the cell is, which every event of its run then names.
     */
    record CellIo(OutputStream stdout, OutputStream stderr, PrintWriter messages, List<EventSink> extraSinks,
                  Consumer<CellRun> started, ObjectNode workItem, EgressMode egressMode) {
        CellIo {
            extraSinks = List.copyOf(extraSinks);
        }

        CellIo(OutputStream stdout, OutputStream stderr, PrintWriter messages, List<EventSink> extraSinks,
               Consumer<CellRun> started) {
            this(stdout, stderr, messages, extraSinks, started, null, null);
        }

        CellIo(OutputStream stdout, OutputStream stderr, PrintWriter messages, List<EventSink> extraSinks,
               Consumer<CellRun> started, ObjectNode workItem) {
            this(stdout, stderr, messages, extraSinks, started, workItem, null);
        }

        /** This cell's I/O with the egress mode its submitter asked for (null: the runner's choice). */
        CellIo withEgressMode(EgressMode mode) {
            return new CellIo(stdout, stderr, messages, extraSinks, started, workItem, mode);
        }

        Consumer<String> log() {
            return RunnerLog.to(messages, "cell-runner: ");
        }
    }

    /** The event targets every cell of this runner writes to. */
    List<String> targets() {
        return targets;
    }

    /** The operator's signing key, when one was given (else each cell signs with a key of its own). */
    Optional<SigningKey> fixedKey() {
        return Optional.ofNullable(fixedKey);
    }

    /** Runs the document {@code bytes} (named {@code source} in messages); returns the cell's exit status. */
    int launch(byte[] bytes, String source, CellIo io) {
        return launch(bytes, source, io, null);
    }

    /** The first {@code jsonl:} trail, which an attestation names; null when there is none. */
    Path trailFile() {
        return targets.stream().filter(t -> t.startsWith(EventSinkOptions.JSONL)).map(EventSinkOptions::filePath)
                .findFirst().orElse(null);
    }

    /** As {@link #launch(byte[], String, CellIo)}, then, for a cell that ran, writes {@code attestation}. */
    int launch(byte[] bytes, String source, CellIo io, Attestation attestation) {
        return launch(validate(bytes), source, io, attestation);
    }

    /** Reads and validates a document (once the first is done, the start-up warm-up may use Jackson). */
    static SpecReadResult validate(byte[] bytes) {
        SpecReadResult read = CellSpecReader.read(bytes);
        Phases.mark("spec-validated");
        StartupWarmup.documentRead();
        return read;
    }

    /** As {@link #launch(byte[], String, CellIo, Attestation)}, for a document {@link #validate} has read. */
    int launch(SpecReadResult read, String source, CellIo io, Attestation attestation) {
        Consumer<String> log = io.log();
        if (read instanceof SpecReadResult.Invalid invalid) {
            synchronized (io.messages()) {
                ValidateCommand.printProblems(io.messages(), source, invalid);
            }
            return ExitCodes.INVALID_SPEC;
        }
        SpecReadResult.Valid valid = (SpecReadResult.Valid) read;
        // first: its namespaces are made, and its uid taken, while the sinks open and the cell is planned
        LaunchStart launch = LaunchStart.begin(valid.document().spec().id());
        CompletableFuture<UidAllocator.Lease> uid = null;
        try {
            uid = allocateMeanwhile(valid.document()); // its NSS lookups too
            List<EventSink> sinks = EventSinkOptions.open(targets, http, brokers, env, log, new ArrayList<>());
            if (!targets.isEmpty() && sinks.isEmpty()) {
                log.accept("no event sink can take events; nothing ran");
                return ExitCodes.SINK_FAILED;
            }
            sinks.addAll(io.extraSinks());
            SigningKey key = fixedKey != null ? fixedKey : SigningKeyOptions.ephemeral(!sinks.isEmpty(), log);
            Phases.mark("sinks-open");
            EventTrail trail = new EventTrail(new CellEventFactory(identity(valid.document(), io.workItem()), Clock.systemUTC()),
                    new ChainSigner(key), sinks, log);
            CellPlan plan;
            try {
                plan = CellPlanner.plan(valid.document(), valid.specDigest(), env,
                        resolveNames(valid.document().spec(), env,
                                HostResolver.deadlineFor(CellPlanner.lifetime(valid.document().spec()))),
                        HostFacts.probe(runnerFiles), io.egressMode() == null ? policy
                                : policy.withEgressMode(policy.egressMode().withRequested(io.egressMode())));
            } catch (Refusal refusal) {
                return new RefusedCell(trail, log).refuse(valid.document(), valid.specDigest(), refusal);
            }
            Phases.mark("planned");
            if (!plan.confinement().identity().resolved()) {
                try {
                    plan = plan.withAllocatedUid(uid.join().uid());
                } catch (CompletionException e) {
                    return new RefusedCell(trail, log).refuse(plan.document(), plan.specDigest(), new Refusal("run.user",
                            "cannot allocate a uid for the cell: " + e.getCause().getMessage(), e.getCause()));
                }
                Phases.mark("uid-allocated");
            }
            List<Provenance.FileDigest> dependencies = attestation == null ? List.of() : Provenance.dependencies(plan);
            CellRun cell = new CellRun(plan, launch, trail, io.stdout(), io.stderr(), log, env);
            io.started().accept(cell);
            Instant startedOn = Instant.now();
            int status = cell.run(); // returns once the cell's processes are gone: its uid may go to another cell
            if (attestation == null) {
                return status;
            }
            return attestation.write(plan, env, dependencies, new Provenance.RunRecord(trail.run().runId(),
                    trail.run().hostname(), startedOn, Instant.now(), status, attestation.trail(), trail.linesDigest()),
                    key, status);
        } finally {
            launch.end(); // a cell that ran has ended it already; one refused before has not
            releaseLater(uid);
        }
    }

    /**
     * A cell that names no user gets a uid of its own: taken on a runner thread while the runner opens
     * the trail and plans the cell, so its NSS lookups cost the cell nothing. Null when none is needed.
     */
    private CompletableFuture<UidAllocator.Lease> allocateMeanwhile(CellDocument document) {
        if (!IdentityPlanner.allocates(document.spec().run().user())) {
            return null;
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return uids.allocate(document.spec().id());
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }, RunnerThreads.POOL);
    }

    /**
     * The cell's uid goes back on a runner thread, so its status does not wait for that. Its allocation
     * is waited for here (a cell refused early may end before it): the allocator must know of the release
     * before the status goes out, or the next cell, on a full range, would be refused.
     */
    private void releaseLater(CompletableFuture<UidAllocator.Lease> uid) {
        if (uid == null) {
            return;
        }
        UidAllocator.Lease lease;
        try {
            lease = uid.join();
        } catch (CompletionException notTaken) {
            return;
        }
        uids.releaseLater(lease, runnerLog);
    }

    /** Before the runner exits: the uids of the cells that ended are released (briefly waited for). */
    void awaitReleases() {
        uids.awaitReleases();
    }

    /**
     * The hostnames of the egress rules, resolved all at once within {@code deadline} through the resolver
     * {@code settings} name (with {@code --dns-upstream} that server); names without an answer refuse the
     * cell, every one of them named.
     */
    static Map<String, List<InetAddress>> resolveNames(CellSpec spec, Map<String, String> settings, Duration deadline)
            throws Refusal {
        try {
            return HostResolver.resolve(spec.authority().egressRules(), settings, deadline);
        } catch (HostResolver.Unresolved e) {
            throw new Refusal("network.egress", e.getMessage());
        }
    }

    /** Reads a document named on the command line; an unreadable one is reported (exit 64). */
    static byte[] read(String source, Consumer<String> log) {
        try {
            return SpecInput.read(source);
        } catch (IOException e) {
            log.accept("cannot read " + source + ": " + e.getMessage());
            return null;
        }
    }

    private static RunIdentity identity(CellDocument document, ObjectNode workItem) {
        Correlation correlation = document.spec().correlation();
        return new RunIdentity(hostname(), document.spec().id(), UUID.randomUUID().toString(),
                correlation == null ? null : tree(correlation), workItem);
    }

    /** What Jackson's data binding would make of the record (nulls kept), without its start-up cost. */
    static ObjectNode tree(Correlation correlation) {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        tree.put("platform", correlation.platform());
        tree.put("externalRunId", correlation.externalRunId());
        ObjectNode labels = tree.putObject("labels");
        correlation.labels().forEach(labels::put);
        return tree;
    }

    /** The kernel's hostname; no DNS lookup on the start-up path. */
    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
