package dev.cellrunner.events.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What runs that died left in a spool directory: run directories whose lock nobody holds (the kernel
 * drops a dead runner's lock, its lock file stays). One without events (all delivered before the
 * runner died) is removed with its lock file; one with events stays for {@code flush} and is counted.
 * A run directory younger than {@link #MIN_AGE} is left alone: a live runner may be creating it.
 * The spool is read through {@link SpoolReader}: links, foreign and odd files are reported, never followed.
 */
public final class SpoolLeftovers {
    static final Duration MIN_AGE = Duration.ofMinutes(1);

    /** @param removed run directories removed; @param waitingEvents events left for flush in unheld run directories */
    public record Report(List<Path> removed, int waitingEvents, List<String> problems) {
    }

    private SpoolLeftovers() {
    }

    public static Report collect(Path spoolDir, Instant now) {
        List<Path> removed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int waiting = 0;
        try {
            Optional<SpoolReader> reader = SpoolReader.open(spoolDir, problems::add);
            if (reader.isEmpty()) {
                return new Report(removed, 0, problems);
            }
            for (Path receiver : reader.get().receivers()) {
                for (Path runDir : reader.get().runs(receiver)) {
                    try {
                        if (SpoolReader.modified(runDir).toInstant().isAfter(now.minus(MIN_AGE))) {
                            continue;
                        }
                        Optional<SpoolReader.Run> run = reader.get().take(runDir);
                        if (run.isEmpty()) {
                            continue;
                        }
                        try (SpoolReader.Run taken = run.get()) {
                            waiting += taken.events().size();
                        }
                        if (!Files.exists(runDir, LinkOption.NOFOLLOW_LINKS)) {
                            removed.add(runDir);
                        }
                    } catch (IOException e) {
                        problems.add("cannot check spool run " + runDir + ": " + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            problems.add("cannot look for leftovers in the spool " + spoolDir + ": " + e.getMessage());
        }
        return new Report(List.copyOf(removed), waiting, List.copyOf(problems));
    }
}
