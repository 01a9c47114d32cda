package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.egress.Leftovers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Removes what runners that died (e.g. SIGKILL) left on this host; objects of live runners stay. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Remove veths, nft tables and forwarding switched on by cell runners that are no longer alive.")
final class GcCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        List<String> problems = new ArrayList<>();
        List<String> removed = Leftovers.collect(System.getenv(), message -> {
            if (message.startsWith("cannot")) {
                problems.add(message);
                err.println("cell-runner gc: " + message);
            }
        });
        removed.forEach(item -> out.println("removed " + item));
        out.println(removed.isEmpty() ? "nothing left over" : removed.size() + " leftovers removed");
        out.flush();
        err.flush();
        return problems.isEmpty() ? 0 : 1;
    }
}
