package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * {@code run A.json B.json ... --parallel N}: each document its own cell (its own launch thread, trail
 * and run ID), at most N at once, all in this JVM. Each cell's output is printed whole when it ends
 * ({@link GroupedOutput}); its messages carry its document's name; a summary line per cell follows.
 * Exit status: 0 if every cell exited 0, else the status of the first document, in the order given,
 * whose cell did not.
 */
final class ParallelRun {
    /** Output a cell may keep back before it takes the shared output for itself. */
    static final int HELD_OUTPUT_LIMIT = 8 * 1024 * 1024;

    private final CellLauncher launcher;
    private final int parallel;
    private final PrintWriter err;
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    private final OutputStream stderr = new FileOutputStream(FileDescriptor.err);
    private final Semaphore floor = new Semaphore(1);

    ParallelRun(CellLauncher launcher, int parallel, PrintWriter err) {
        this.launcher = launcher;
        this.parallel = parallel;
        this.err = err;
    }

    int run(List<String> sources) {
        if (sources.stream().filter("-"::equals).count() > 1) {
            log("standard input (-) can be given once");
            return ExitCodes.USAGE;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, sources.size()), runnable -> {
            Thread thread = new Thread(runnable, "cell-batch");
            thread.setDaemon(true);
            return thread;
        });
        List<Future<Integer>> results = new ArrayList<>();
        for (String source : sources) {
            results.add(pool.submit(() -> runOne(source)));
        }
        pool.shutdown();
        int status = ExitCodes.OK;
        for (int i = 0; i < sources.size(); i++) {
            int cellStatus = await(results.get(i));
            log(sources.get(i) + ": exit " + cellStatus);
            if (status == ExitCodes.OK) {
                status = cellStatus;
            }
        }
        return status;
    }

    private int runOne(String source) {
        PrefixedMessages messages = new PrefixedMessages(err, source);
        byte[] bytes = CellLauncher.read(source, messages::println);
        if (bytes == null) {
            return ExitCodes.USAGE;
        }
        GroupedOutput output = new GroupedOutput(stdout, stderr, floor, HELD_OUTPUT_LIMIT);
        try {
            return launcher.launch(bytes, source, new CellLauncher.CellIo(output.stdout(), output.stderr(),
                    messages, List.of(), cell -> { }));
        } finally {
            try {
                output.release();
            } catch (IOException e) {
                log(source + ": cannot write the cell's output: " + e.getMessage());
            }
        }
    }

    private int await(Future<Integer> result) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.SOFTWARE;
        } catch (java.util.concurrent.ExecutionException e) {
            log("internal error: " + e.getCause());
            return ExitCodes.SOFTWARE;
        }
    }

    private void log(String message) {
        RunnerLog.to(err, "cell-runner: ").accept(message);
    }
}
