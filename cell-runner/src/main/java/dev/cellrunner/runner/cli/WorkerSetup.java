package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.nats.NatsAddress;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.LaunchStart;
import dev.cellrunner.runner.work.DeadLetters;
import dev.cellrunner.runner.work.NatsWorkQueue;
import dev.cellrunner.runner.work.RunRecords;
import dev.cellrunner.runner.work.WorkItem;
import dev.cellrunner.runner.work.Worker;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/** Connects a worker's queue, dead letters and run records, and runs it until it is told to stop. */
final class WorkerSetup {
    private static final Duration POLL = Duration.ofSeconds(2);

    private WorkerSetup() {
    }

    static int run(WorkerCommand options, CellLauncher launcher, PrintWriter err, Consumer<String> log) {
        NatsAddress from;
        String deadSubject;
        try {
            from = NatsAddress.stream(options.from);
            deadSubject = options.deadLetter != null ? options.deadLetter : "cell-runner.dead." + from.name();
            NatsAddress.subject(from.describe().replace("/" + from.name(), "/" + deadSubject));
        } catch (IllegalArgumentException e) {
            log.accept(e.getMessage());
            return ExitCodes.USAGE;
        }
        Optional<String> trail = launcher.targets().stream().filter(BrokerTargets::isBroker).findFirst();
        if (trail.isEmpty()) {
            log.accept("a worker needs an event stream it can read back (--events nats://HOST:PORT/SUBJECT or "
                    + "kafka://HOST:PORT/TOPIC): it tells whether a redelivered document already ran");
            return ExitCodes.USAGE;
        }
        NatsWorkQueue queue;
        try {
            queue = NatsWorkQueue.open(from, BrokerTargets.natsAccess(options.runner.http, options.runner.brokers),
                    options.consumer, Duration.ofMillis(options.ackWaitMs), log);
        } catch (IOException | RuntimeException e) {
            log.accept("cannot take work from " + from.describe() + ": " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        try {
            if (queue.holds(deadSubject)) {
                log.accept("the dead letter subject " + deadSubject + " is part of the work stream " + from.name()
                        + ": dead letters would come back as work; give another with --dead-letter");
                return ExitCodes.USAGE;
            }
            List<Ed25519Key.PublicKey> trusted = launcher.fixedKey().map(SigningKey::publicKey).stream().toList();
            RunRecords records = new RunRecords(BrokerTargets.trailSince(trail.get(), options.runner.brokers), trusted);
            Worker worker = new Worker(queue, cells(launcher, err), records, new DeadLetters(queue.connection(), deadSubject),
                    new Worker.Settings(options.parallel, POLL, Duration.ofMillis(options.retryDelayMs),
                            options.idleExitMs == null ? null : Duration.ofMillis(options.idleExitMs)), log);
            StopSignals.install(worker::stop, log);
            LaunchStart.keepOneAhead(); // resident: each cell's network namespace is made before it comes
            log.accept("taking work from " + from.describe() + " as consumer " + options.consumer + ", "
                    + options.parallel + " at once (ack wait " + queue.ackWait().toMillis() + " ms); runs are looked up in "
                    + records.describe() + "; dead letters to " + deadSubject);
            ServeWarmup.begin(log);
            worker.run();
            log.accept("stopped: nothing left in hand");
            return ExitCodes.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.SOFTWARE;
        } catch (IOException e) {
            log.accept(e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
    }

    /** Each document as {@code run --parallel} runs one: output printed whole when it ends, messages named by item. */
    private static Worker.Cells cells(CellLauncher launcher, PrintWriter err) {
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        OutputStream stderr = new FileOutputStream(FileDescriptor.err);
        Semaphore floor = new Semaphore(1);
        return (WorkItem item, byte[] document) -> {
            PrefixedMessages messages = new PrefixedMessages(err, item.describe());
            GroupedOutput output = new GroupedOutput(stdout, stderr, floor, ParallelRun.HELD_OUTPUT_LIMIT);
            int status;
            try {
                status = launcher.launch(document, item.describe(), new CellLauncher.CellIo(output.stdout(),
                        output.stderr(), messages, List.of(), cell -> { }, item.toJson()));
            } finally {
                try {
                    output.release();
                } catch (IOException e) {
                    messages.println("cell-runner: cannot write the cell's output: " + e.getMessage());
                }
            }
            return new Worker.Cells.Result(status, messages.kept());
        };
    }
}
