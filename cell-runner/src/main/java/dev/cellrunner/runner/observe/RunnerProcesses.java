package dev.cellrunner.runner.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
