package dev.cellrunner.events.http;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What every flush of one receiver's spool does alike, whatever sends the events ({@link SpoolFlusher}
 * over HTTP, {@code BrokerFlusher} to a broker): the runs taken oldest first through {@link SpoolReader},
 * a run a live runner still holds counted and left alone, the tally of what was delivered and kept, the
 * grace time that bounds the whole flush, and the first reason to stop, after which every run left is
 * kept whole. One walk per flush.
 */
public final class SpoolWalk {
    /** Sends the event files of one taken run, in order, telling the walk what it delivered and kept. */
    @FunctionalInterface
    public interface RunSender {
        void send(SpoolReader.Run run, List<String> files) throws IOException;
    }

    private final Duration grace;
    private final Instant deadline;
    private final List<String> problems = new ArrayList<>();
    private int delivered;
    private int kept;
    private int busyRuns;
    private String stoppedBecause;

    /** A walk that must be done within {@code grace} from now, reading included. */
    public SpoolWalk(Duration grace) {
        this.grace = grace;
        this.deadline = Instant.now().plus(grace);
    }

    public Instant deadline() {
        return deadline;
    }

    /** The spool's reader; empty (and said why) when the spool cannot be read at all. */
    public Optional<SpoolReader> open(Path spoolDir) throws IOException {
        return SpoolReader.open(spoolDir, problems::add);
    }

    /** Takes each run in turn and hands its events to {@code sender}, unless the flush has stopped. */
    public void walk(SpoolReader reader, List<Path> runs, RunSender sender) throws IOException {
        for (Path runDir : runs) {
            outOfTime();
            Optional<SpoolReader.Run> run = reader.take(runDir);
            if (run.isEmpty()) {
                busyRuns++;
                kept += reader.count(runDir);
                continue;
            }
            try (SpoolReader.Run taken = run.get()) {
                List<String> files = taken.events();
                kept += taken.skippedFiles();
                if (stoppedBecause != null) {
                    kept += files.size();
                } else {
                    sender.send(taken, files);
                }
            }
        }
    }

    /** Stops the flush once its grace time has passed; whether it has stopped, for that or another reason. */
    public boolean outOfTime() {
        if (stoppedBecause == null && !Instant.now().isBefore(deadline)) {
            stop("the grace time (" + grace.toMillis() + " ms) passed before everything was read and sent");
        }
        return stoppedBecause != null;
    }

    /** The first reason given is the one reported; every event not yet sent is kept. */
    public void stop(String reason) {
        if (stoppedBecause == null) {
            stoppedBecause = reason;
        }
    }

    public void delivered() {
        delivered++;
    }

    public void kept(int files) {
        kept += files;
    }

    public void problem(String problem) {
        problems.add(problem);
    }

    /** An event file of {@code run} that could not be read: said, and counted as kept. */
    public void unreadable(SpoolReader.Run run, String file, IOException e) {
        problems.add(e.getMessage().startsWith(run.path().toString()) ? e.getMessage() + "; kept"
                : run.path().resolve(file) + ": kept, unreadable: " + e.getMessage());
        kept++;
    }

    /** What the flush did; why it stopped, if it did, is said last, after {@code receiver}'s name. */
    public SpoolFlusher.Report report(String receiver) {
        if (stoppedBecause != null) {
            problems.add(receiver + ": " + stoppedBecause);
        }
        return new SpoolFlusher.Report(delivered, kept, busyRuns, List.copyOf(problems));
    }
}
