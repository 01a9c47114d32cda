package dev.cellrunner.runner.egress;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of everything the runner creates for one cell, all carrying the runner's PID so that
 * {@code cell-runner gc} can tell leftovers of a dead runner from objects of a live one:
 * nft table {@code cellrunner_<pid>_<n>} (in the cell and on the host), host veth {@code cr<pid>-<n>}
 * (at most 15 characters: pid_max is 2^22, 7 digits).
 */
public record CellNetNames(long runnerPid, int sequence) {
    /** The veth end inside the cell. */
    public static final String CELL_INTERFACE = "eth0";
    private static final AtomicInteger NEXT = new AtomicInteger(1);
    private static final Pattern TABLE = Pattern.compile("cellrunner_([0-9]+)_([0-9]+)");
    private static final Pattern VETH = Pattern.compile("cr([0-9]+)-([0-9]+)");

    public static CellNetNames next() {
        return new CellNetNames(ProcessHandle.current().pid(), NEXT.getAndIncrement());
    }

    public String table() {
        return "cellrunner_" + runnerPid + "_" + sequence;
    }

    public String hostInterface() {
        return "cr" + runnerPid + "-" + sequence;
    }

    /** The runner PID a name of ours carries, or empty for names that are not ours. */
    public static Optional<Long> ownerOf(String name) {
        for (Pattern pattern : new Pattern[]{TABLE, VETH}) {
            Matcher matcher = pattern.matcher(name);
            if (matcher.matches()) {
                return Optional.of(Long.parseLong(matcher.group(1)));
            }
        }
        return Optional.empty();
    }
}
