package dev.cellrunner.runner.confine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cells' private temp dirs ({@code cell-<runner pid>-<uuid>} below {@link HostFacts#tempBaseDir()}) whose
 * runner is gone: a runner removes its cell's dir after the run, except when it is killed with SIGKILL.
 */
public final class TempDirLeftovers {
    private static final Pattern NAME = Pattern.compile("cell-([0-9]+)-[0-9a-f-]+");

    private TempDirLeftovers() {
    }

    /** The name of a cell's temp dir: it carries the runner's PID so gc can tell whose it is. */
    static String name(long runnerPid, UUID unique) {
        return "cell-" + runnerPid + "-" + unique;
    }

    /** Removes the temp dirs of dead runners below {@code base}; returns what it did ("cannot ..." for problems). */
    public static List<String> collect(Path base, LongPredicate liveRunner) {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return done;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base)) {
            for (Path dir : entries) {
                Matcher matcher = NAME.matcher(dir.getFileName().toString());
                if (matcher.matches() && matcher.group(1).length() < 19
                        && !liveRunner.test(Long.parseLong(matcher.group(1)))) {
                    remove(dir, done);
                }
            }
        } catch (IOException e) {
            done.add("cannot look for leftover temp dirs in " + base + ": " + e.getMessage());
        }
        return done;
    }

    private static void remove(Path dir, List<String> done) {
        try {
            PrivateTempDir.remove(dir);
            done.add("removed temp dir " + dir);
        } catch (NoSuchFileException removedMeanwhile) {
            // another gc was faster
        } catch (IOException e) {
            done.add("cannot remove temp dir " + dir + ": " + e.getMessage());
        }
    }
}
