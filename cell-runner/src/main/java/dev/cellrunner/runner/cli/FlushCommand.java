package dev.cellrunner.runner.cli;

import dev.cellrunner.events.http.SpoolFlusher;
import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Resends the spooled events of one receiver (HTTP, NATS subject, Kafka topic); deletes only what it accepted. */
@Command(name = "flush", mixinStandardHelpOptions = true,
        description = {"Resend events that runs could not deliver to an HTTP receiver or have confirmed by a NATS "
                + "JetStream or Kafka broker (kept in the spool), oldest run first, each run in order.",
                "Exit 0 when nothing is left for that receiver, 75 when some events are still spooled."})
final class FlushCommand implements Callable<Integer> {
    static final int SOME_LEFT = 75;

    @Option(names = "--events", paramLabel = "URL", required = true,
            description = "The receiver, exactly as given to `run --events` (http(s)://, nats://, kafka://).")
    String url;

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
        if (!HttpEventOptions.isHttp(url) && !BrokerTargets.isBroker(url)) {
            err.println("cell-runner: flush: --events must be an http(s)://, nats:// or kafka:// target");
            err.flush();
            return ExitCodes.USAGE;
        }
        SpoolFlusher.Report report;
        try {
            report = BrokerTargets.isBroker(url) ? BrokerTargets.flush(url, http, brokers, System.getenv())
                    : new SpoolFlusher(http.settings(url, System.getenv())).flush();
        } catch (IllegalArgumentException e) {
            err.println("cell-runner: flush: " + e.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        } catch (IOException e) {
            err.println("cell-runner: flush: " + e.getMessage());
            err.flush();
            return ExitCodes.SINK_FAILED;
        }
        report.problems().forEach(problem -> err.println("cell-runner: flush: " + problem));
        out.printf("delivered %d, still spooled %d%s%n", report.delivered(), report.kept(),
                report.busyRuns() > 0 ? " (" + report.busyRuns() + " run(s) still being delivered by a live runner)" : "");
        out.flush();
        err.flush();
        return report.kept() == 0 ? ExitCodes.OK : SOME_LEFT;
    }
}
