package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The host's own view of a process, read from /proc by the suite itself (never from the runner's events). */
public final class Proc {
    private static final Path PROC = Path.of("/proc");

    private Proc() {
    }

    /** Interface names in /proc/PID/net/dev: the network namespace the process lives in. */
    public static List<String> netInterfaces(long pid) {
        List<String> lines = lines(PROC.resolve(pid + "/net/dev"));
        List<String> names = new ArrayList<>();
        for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                names.add(line.substring(0, colon).trim());
            }
        }
        return names;
    }

    /** The identity of the process's network namespace, e.g. {@code net:[4026532177]}. */
    public static String netNamespace(long pid) {
        try {
            return Files.readSymbolicLink(PROC.resolve(pid + "/ns/net")).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/ns/net", e);
        }
    }

    /** The fields of /proc/PID/status, e.g. Seccomp, NoNewPrivs, CapEff. */
    public static Map<String, String> status(long pid) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : lines(PROC.resolve(pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** Peak resident memory (VmHWM) in KiB, or empty when the process is gone. */
    public static Optional<Long> peakRssKib(long pid) {
        try {
            String hwm = status(pid).get("VmHWM");
            return hwm == null ? Optional.empty() : Optional.of(Long.parseLong(hwm.replace("kB", "").trim()));
        } catch (UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** The cgroup paths of the process: one line of /proc/PID/cgroup each, "hierarchy:controllers:path". */
    public static List<String> cgroups(long pid) {
        return lines(PROC.resolve(pid + "/cgroup"));
    }

    /**
     * The cgroup directories of the process that it does not share with this JVM: the cell's own groups,
     * one per hierarchy (the v2 leaf and each v1 group). Mount points come from /proc/self/mountinfo.
     */
    public static List<Path> ownCgroupDirectories(long pid) {
        Map<String, Path> mounts = cgroupMounts();
        List<String> ours = cgroups(ProcessHandle.current().pid());
        List<Path> dirs = new ArrayList<>();
        for (String line : cgroups(pid)) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3 || ours.contains(line)) {
                continue;
            }
            Path mount = mounts.get(parts[1]);
            if (mount == null) {
                continue;
            }
            Path dir = Path.of(mount.toString(), parts[2]);
            if (Files.isDirectory(dir) && !dirs.contains(dir)) {
                dirs.add(dir);
            }
        }
        return dirs;
    }

    /** The controllers field of /proc/PID/cgroup ("" for v2, "pids", "cpu,cpuacct") to its mount point. */
    private static Map<String, Path> cgroupMounts() {
        Map<String, Path> mounts = new LinkedHashMap<>();
        List<String> subsystems = lines(PROC.resolve("cgroups")).stream().filter(l -> !l.startsWith("#"))
                .map(l -> l.split("\\s+")[0]).toList();
        for (String line : lines(PROC.resolve("self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            String[] left = halves[0].split(" ");
            String[] right = halves.length == 2 ? halves[1].split(" ") : new String[0];
            if (left.length < 5 || right.length < 3) {
                continue;
            }
            if (right[0].equals("cgroup2")) {
                mounts.putIfAbsent("", Path.of(left[4]));
            } else if (right[0].equals("cgroup")) {
                List<String> controllers = new ArrayList<>();
                for (String option : right[2].split(",")) {
                    if (subsystems.contains(option) || option.startsWith("name=")) {
                        controllers.add(option);
                    }
                }
                mounts.putIfAbsent(String.join(",", controllers), Path.of(left[4]));
            }
        }
        return mounts;
    }

    /**
     * The host's pid of the runner's descendant that is {@code cellPid} in its own PID namespace (the
     * last field of NSpid in /proc/PID/status); a runner without PID namespaces has them equal.
     */
    public static long hostPidOf(RunningRunner runner, long cellPid) {
        for (ProcessHandle process : runner.processTree()) {
            String nsPid;
            try {
                nsPid = status(process.pid()).get("NSpid");
            } catch (UncheckedIOException gone) {
                continue;
            }
            String[] pids = nsPid == null ? new String[0] : nsPid.trim().split("\\s+");
            if (pids.length > 0 && pids[pids.length - 1].equals(Long.toString(cellPid))) {
                return process.pid();
            }
        }
        throw new AssertionError("no process below the runner is pid " + cellPid + " in its namespace");
    }

    /** The last field of NSpid: the process's pid as the cell sees it (its own PID namespace). */
    public static String pidInItsNamespace(long pid) {
        String[] pids = status(pid).getOrDefault("NSpid", "").trim().split("\\s+");
        return pids[pids.length - 1];
    }

    /** The identity of one of the process's namespaces (mnt, pid, ipc, uts, net), e.g. {@code pid:[4026532177]}. */
    public static String namespace(long pid, String kind) {
        try {
            return Files.readSymbolicLink(PROC.resolve(pid + "/ns/" + kind)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/ns/" + kind, e);
        }
    }

    /** Kills (SIGKILL) every process carrying the marker: cleanup after a runner that let one escape. */
    public static void killProcessesWithMarker(String marker) {
        processesWithMarker(marker).forEach(p -> ProcessHandle.of(Long.parseLong(p.substring(0, p.indexOf(':'))))
                .ifPresent(ProcessHandle::destroyForcibly));
    }

    /** Every live process whose argv[0] is {@code name} (as {@code exec -a NAME} sets it), as "pid: argv". */
    public static List<String> processesNamed(String name) {
        return processesWithMarker(name).stream().filter(p -> p.substring(p.indexOf(": ") + 2).startsWith(name + " ")
                || p.substring(p.indexOf(": ") + 2).equals(name)).toList();
    }

    /** Every live process (other than this JVM) with {@code marker} inside one of its argv strings, as "pid: argv". */
    public static List<String> processesWithMarker(String marker) {
        List<String> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                if (Long.parseLong(entry.getFileName().toString()) == self) {
                    continue;
                }
                byte[] cmdline;
                try {
                    cmdline = Files.readAllBytes(entry.resolve("cmdline"));
                } catch (IOException gone) {
                    continue;
                }
                String argv = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
                if (argv.contains(marker)) {
                    found.add(entry.getFileName() + ": " + argv.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc", e);
        }
        return found;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
