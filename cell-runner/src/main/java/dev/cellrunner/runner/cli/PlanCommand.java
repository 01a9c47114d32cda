package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.cell.CellPlan;
import dev.cellrunner.runner.cell.CellPlanner;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.PlanDescription;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cell.RunnerPolicy;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.runner.egress.HostResolver;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.SpecReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Shows the plan a document would get on this host, or why it would be refused; runs nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Show what a cell would be allowed on this host without running anything: argv and "
                + "executable, environment names, working dir, lifetime, pinned egress and the nft ruleset, landlock "
                + "rules, the seccomp deny list, limits and what holds each; or the control that would be refused.",
                "Exit 0 when the cell would run, 65 for an invalid document, 69 when a control cannot be enforced "
                        + "here. Give the same --events, --signing-key, --spool-dir, --nats-creds, --kafka-config and "
                        + "--allow-* options as the run: those files are carved out of the cell's view, and the "
                        + "options change what is admitted."})
final class PlanCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(paramLabel = "SPEC", description = "Path to the document, or - for standard input.")
    String source;

    @Option(names = "--json", description = "Print the plan as JSON (for tools) instead of text.")
    boolean json;

    @Option(names = "--events", paramLabel = "SINK", description = "The run's event sinks (jsonl:PATH, http(s)://URL, nats://..., kafka://..., none).")
    List<String> events = new ArrayList<>();

    @Option(names = "--signing-key", paramLabel = "FILE", description = "The run's signing key file.")
    Path signingKey;

    @Mixin
    PolicyOptions policy = new PolicyOptions();

    @Mixin
    HttpEventOptions http = new HttpEventOptions();

    @Mixin
    BrokerOptions brokers = new BrokerOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Map<String, String> env = System.getenv();
        byte[] bytes;
        List<String> targets;
        RunnerPolicy runnerPolicy;
        try {
            bytes = SpecInput.read(source);
            targets = EventSinkOptions.targets(events, http, env, message -> { });
            runnerPolicy = policy.policy(env);
        } catch (IOException e) {
            err.println("cell-runner: cannot read " + source + ": " + e.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("cell-runner: " + e.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        }
        SpecReadResult read = CellSpecReader.read(bytes);
        if (read instanceof SpecReadResult.Invalid invalid) {
            ValidateCommand.printProblems(err, source, invalid);
            return ExitCodes.INVALID_SPEC;
        }
        SpecReadResult.Valid valid = (SpecReadResult.Valid) read;
        ObjectNode description;
        int status;
        try {
            HostFacts host = HostFacts.probe(EventSinkOptions.runnerFiles(targets, http, brokers, env, signingKey));
            CellPlan plan = CellPlanner.plan(valid.document(), valid.specDigest(), env,
                    CellLauncher.resolveNames(valid.document().spec(), env, HostResolver.CAP), host, runnerPolicy);
            checkHostCeiling(host);
            description = PlanDescription.of(plan, env);
            status = ExitCodes.OK;
        } catch (Refusal refusal) {
            description = PlanDescription.refused(valid.document(), valid.specDigest(), refusal);
            status = ExitCodes.REFUSED;
        }
        out.print(json ? toJson(description) : PlanDescription.text(description));
        out.flush();
        return status;
    }

    /** What a run checks only once it touches the system, and would refuse: libnftables to filter, cgroup v2 to hold the cell. */
    private static void checkHostCeiling(HostFacts host) throws Refusal {
        try {
            Nftables.requireLibrary();
        } catch (Nftables.Unavailable e) {
            throw new Refusal("network.egress", e.getMessage());
        }
        if (host.cgroups().v2Own().isEmpty()) {
            throw new Refusal("lifetime", "no cgroup v2 hierarchy is mounted to hold the cell's processes");
        }
    }

    private static String toJson(ObjectNode description) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(description) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }
}
