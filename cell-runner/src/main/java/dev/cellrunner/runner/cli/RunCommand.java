package dev.cellrunner.runner.cli;

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
import dev.cellrunner.runner.cell.Phases;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cell.RefusedCell;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.runner.egress.HostResolver;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.SpecReadResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/** Runs one cell; the runner's exit status is the command's, or one of the contract's own codes. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the command of an ExecutionCell document inside its cell.")
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(paramLabel = "SPEC", description = "Path to the document, or - for standard input.")
    String source;

    @Option(names = "--events", paramLabel = "SINK",
            description = "Where events go: jsonl:PATH, http(s)://URL (repeatable) or none. Default: "
                    + "${XDG_STATE_HOME:-$HOME/.local/state}/cell-runner/events.jsonl")
    List<String> events = new ArrayList<>();

    @Option(names = "--signing-key", paramLabel = "FILE",
            description = "Ed25519 private key (PEM, from cell-runner keygen) that signs the events. Default: "
                    + "CELLOS_EVENT_SIGNING_KEY_BASE64, else a fresh key for this run whose public half is in `started`.")
    Path signingKey;

    @Mixin
    HttpEventOptions http = new HttpEventOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        Phases.mark("cli-parsed");
        PrintWriter err = command.commandLine().getErr();
        Consumer<String> log = message -> {
            err.println("cell-runner: " + message);
            err.flush();
        };
        Map<String, String> env = System.getenv();
        List<String> targets;
        try {
            targets = EventSinkOptions.targets(events, env, log);
        } catch (IllegalArgumentException e) {
            log.accept(e.getMessage());
            return ExitCodes.USAGE;
        }
        SigningKey key;
        try {
            key = SigningKeyOptions.resolve(signingKey, env, !targets.isEmpty(), log);
        } catch (IllegalArgumentException e) {
            log.accept(e.getMessage());
            return ExitCodes.USAGE;
        }
        Phases.mark("key-ready");
        byte[] bytes;
        try {
            bytes = SpecInput.read(source);
        } catch (IOException e) {
            log.accept("cannot read " + source + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        SpecReadResult read = CellSpecReader.read(bytes);
        Phases.mark("spec-validated");
        if (read instanceof SpecReadResult.Invalid invalid) {
            ValidateCommand.printProblems(err, source, invalid);
            return ExitCodes.INVALID_SPEC;
        }
        SpecReadResult.Valid valid = (SpecReadResult.Valid) read;
        List<String> sinkFailures = new ArrayList<>();
        List<EventSink> sinks = EventSinkOptions.open(targets, http, env, log, sinkFailures);
        if (!targets.isEmpty() && sinks.isEmpty()) {
            log.accept("no event sink can take events; nothing ran");
            return ExitCodes.SINK_FAILED;
        }
        Phases.mark("sinks-open");
        EventTrail trail = new EventTrail(new CellEventFactory(identity(valid.document()), Clock.systemUTC()),
                new ChainSigner(key), sinks, log);
        CellPlan plan;
        try {
            plan = CellPlanner.plan(valid.document(), valid.specDigest(), env,
                    HostResolver.resolve(valid.document().spec().authority().egressRules()),
                    HostFacts.probe(runnerFiles(targets, env)));
        } catch (Refusal refusal) {
            return new RefusedCell(trail, log).refuse(valid.document(), valid.specDigest(), refusal);
        }
        Phases.mark("planned");
        return new CellRun(plan, trail, new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), log).run();
    }

    /** What a cell must neither read nor write: the JSONL trails, the signing key, the HTTP spool. */
    private List<Path> runnerFiles(List<String> targets, Map<String, String> env) {
        List<Path> files = new ArrayList<>();
        for (String target : targets) {
            if (target.startsWith("jsonl:")) {
                files.add(Path.of(target.substring("jsonl:".length())));
            } else {
                files.add(http.spoolDir(env));
            }
        }
        if (signingKey != null) {
            files.add(signingKey);
        }
        return files;
    }

    private static RunIdentity identity(CellDocument document) {
        ObjectNode correlation = document.spec().correlation() == null ? null
                : JSON.valueToTree(document.spec().correlation());
        return new RunIdentity(hostname(), document.spec().id(), UUID.randomUUID().toString(), correlation);
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
