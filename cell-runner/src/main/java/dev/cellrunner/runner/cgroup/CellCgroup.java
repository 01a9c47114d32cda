package dev.cellrunner.runner.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A cgroup v2 leaf holding every process of one cell. The workload is born inside it (see
 * {@link RunnerMigration}); {@code cgroup.kill} then ends the whole tree, double forks included.
 */
public final class CellCgroup {
    private final Path dir;

    private CellCgroup(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code parent/name}; the name must be unique to this run. */
    public static CellCgroup create(Path parent, String name) throws IOException {
        Path dir = parent.resolve(name);
        Files.createDirectory(dir);
        return new CellCgroup(dir);
    }

    /** A group that exists already (gc: a group of a runner that is gone). */
    public static CellCgroup existing(Path dir) {
        return new CellCgroup(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Process IDs the kernel lists in the group right now. */
    public List<Integer> pids() throws IOException {
        List<Integer> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    pids.add(Integer.parseInt(line.trim()));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return pids;
    }

    public boolean populated() throws IOException {
        for (String line : Files.readAllLines(dir.resolve("cgroup.events"))) {
            if (line.startsWith("populated ")) {
                return !line.endsWith(" 0");
            }
        }
        return !pids().isEmpty();
    }

    /** SIGKILLs every process in the group; returns how many were there to kill. */
    public int killAll() throws IOException {
        int present = pids().size();
        if (present > 0) {
            Files.writeString(dir.resolve("cgroup.kill"), "1", StandardCharsets.US_ASCII);
        }
        return present;
    }

    /** Waits until the kernel reports the group empty; false if it is still populated after {@code limit}. */
    public boolean awaitEmpty(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (populated()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Removes the (empty) group. */
    public void remove() throws IOException {
        Files.deleteIfExists(dir);
    }
}
