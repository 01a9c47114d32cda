package dev.cellrunner.runner.cli;

import dev.cellrunner.events.http.SpoolLeftovers;
import dev.cellrunner.runner.cgroup.CgroupLayout;
import dev.cellrunner.runner.cgroup.DeadRunnerGroups;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.runner.confine.TempDirLeftovers;
import dev.cellrunner.runner.confine.UidAllocator;
import dev.cellrunner.runner.egress.Leftovers;
import dev.cellrunner.runner.egress.StateDirectory;
import dev.cellrunner.runner.observe.RunnerProcesses;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Removes what runners that died (SIGKILL, a crash) left on this host, in an order that stops the
 * cells first: their processes and cgroups, then network objects, temp dirs and spool locks. A runner
 * counts as alive while its PID runs a cell-runner; nothing of a live runner is touched.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Clean up after cell runners that are no longer alive: kill their cells' processes, remove "
                + "their cgroups (v2 leaves and v1 groups), veths, nft tables, forwarding they switched on, the cells' "
                + "temp dirs and uids, and stale HTTP spool locks. Objects of live runners are never touched.",
                "Prints what it did; exit 0 when everything left over was removed, 1 if something could not be."})
final class GcCommand implements Callable<Integer> {
    @Option(names = "--spool-dir", paramLabel = "DIR",
            description = "The HTTP spool to tidy. Default: ${XDG_STATE_HOME:-$HOME/.local/state}/cell-runner/spool")
    Path spoolDir;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Map<String, String> env = System.getenv();
        List<String> done = new ArrayList<>();
        try {
            done.addAll(DeadRunnerGroups.collect(CgroupLayout.cellHierarchies(), RunnerProcesses::isLive));
        } catch (IOException e) {
            done.add("cannot read the cgroup mounts: " + e.getMessage());
        }
        done.addAll(Leftovers.collect(env, message -> {
            if (message.startsWith("cannot")) {
                done.add(message);
            }
        }));
        done.addAll(TempDirLeftovers.collect(HostFacts.tempBaseDir(), RunnerProcesses::isLive));
        done.addAll(UidAllocator.collect(StateDirectory.of(env)));
        Path spool = spoolDir != null ? spoolDir : EventSinkOptions.stateDir(env).resolve("spool");
        SpoolLeftovers.Report leftInSpool = SpoolLeftovers.collect(spool, Instant.now());
        leftInSpool.removed().forEach(run -> done.add("removed spool run " + run + " (nothing left to send) and its lock"));
        done.addAll(leftInSpool.problems());

        List<String> problems = done.stream().filter(line -> line.startsWith("cannot")).toList();
        done.stream().filter(line -> !line.startsWith("cannot")).forEach(out::println);
        problems.forEach(problem -> err.println("cell-runner gc: " + problem));
        if (leftInSpool.waitingEvents() > 0) {
            out.println(leftInSpool.waitingEvents() + " undelivered events of finished runs wait in " + spool
                    + "; send them with cell-runner flush");
        }
        long actions = done.size() - problems.size();
        out.println(actions == 0 ? "nothing left over" : actions + " leftovers cleaned up");
        out.flush();
        err.flush();
        return problems.isEmpty() ? 0 : 1;
    }
}
