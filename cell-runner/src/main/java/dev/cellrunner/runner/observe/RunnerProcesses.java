package dev.cellrunner.runner.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Whether a runner PID found in the name of a host object (cgroup, veth, nft table, temp dir) still
 * belongs to a live cell runner: the process exists and its /proc/&lt;pid&gt;/cmdline is a cell-runner
 * (a PID reused by an unrelated process does not keep a dead runner's leftovers alive). PIDs are
 * those of the caller's PID namespace, so gc must run in the runners' PID namespace.
 */
public final class RunnerProcesses {
    private static final String[] RUNNER_MARKS = {"cell-runner", "dev.cellrunner"};

    private RunnerProcesses() {
    }

    public static boolean isLive(long pid) {
        if (pid == ProcessHandle.current().pid()) {
            return true;
        }
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (IOException gone) {
            return false;
        }
        return isRunnerCommandLine(new String(cmdline, StandardCharsets.UTF_8));
    }

    /**
     * Whether {@code pid} is a live runner that started at {@code startTicks} (field 22 of
     * /proc/&lt;pid&gt;/stat, clock ticks since boot): PIDs wrap within hours on a busy host (pid_max is
     * often 32768), and a later runner given a dead one's PID must not keep the dead one's records.
     */
    public static boolean isLive(long pid, long startTicks) {
        return isLive(pid) && startTicks(pid).equals(OptionalLong.of(startTicks));
    }

    /** Field 22 of /proc/&lt;pid&gt;/stat, when the process exists. */
    public static OptionalLong startTicks(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        } catch (IOException gone) {
            return OptionalLong.empty();
        }
        return startTicksOf(stat);
    }

    /** The start time in a /proc/&lt;pid&gt;/stat line; the command name may hold spaces and ')'. */
    static OptionalLong startTicksOf(String stat) {
        int afterName = stat.lastIndexOf(')');
        if (afterName < 0) {
            return OptionalLong.empty();
        }
        String[] fields = stat.substring(afterName + 1).trim().split(" ");
        // fields[0] is field 3 (state), so field 22 is fields[19]
        if (fields.length < 20) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(fields[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A zombie has an empty command line: its resources are released, it is no longer a runner. */
    static boolean isRunnerCommandLine(String cmdline) {
        for (String mark : RUNNER_MARKS) {
            if (cmdline.contains(mark)) {
                return true;
            }
        }
        return false;
    }
}
