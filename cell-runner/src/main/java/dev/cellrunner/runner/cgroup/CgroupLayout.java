package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.os.SpawnLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where this process sits in the cgroup hierarchies: its own v2 directory (if a v2 hierarchy is
 * mounted) and its own directory per v1 controller. Read from /proc/self/cgroup and mountinfo.
 */
public record CgroupLayout(Optional<Path> v2Own, Map<String, Path> v1Own) {
    /** The controllers a cell's limits use (see {@link LimitsPlanner}). */
    static final List<String> LIMIT_CONTROLLERS = List.of("memory", "pids", "cpu");

    /** Read under SpawnLock, so never while the runner sits in a cell's leaf to spawn. */
    public static CgroupLayout ofThisProcess() throws IOException {
        SpawnLock.LOCK.lock();
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/cgroup")),
                    Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } finally {
            SpawnLock.LOCK.unlock();
        }
    }

    /** Pure parsing of the two proc files, so it can be tested with host layouts we do not have. */
    static CgroupLayout parse(List<String> procCgroup, List<String> mountinfo) {
        Mounts mounts = Mounts.parse(mountinfo);
        Optional<Path> v2 = Optional.empty();
        Map<String, Path> v1 = new HashMap<>();
        for (String line : procCgroup) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                if (mounts.v2() != null) {
                    v2 = Optional.of(mounts.v2().directoryFor(parts[2]));
                }
                continue;
            }
            for (String controller : parts[1].split(",")) {
                Mount mount = mounts.v1().get(controller);
                if (mount != null && !controller.isEmpty()) {
                    v1.put(controller, mount.directoryFor(parts[2]));
                }
            }
        }
        return new CgroupLayout(v2, Map.copyOf(v1));
    }

    /**
     * Where this host mounts the hierarchies a runner creates groups in: the cgroup v2 mount and the v1
     * mounts of the limit controllers (memory, pids, cpu); for gc, which looks for groups of any runner.
     */
    public static List<Path> cellHierarchies() throws IOException {
        return cellHierarchies(Files.readAllLines(Path.of("/proc/self/mountinfo")));
    }

    static List<Path> cellHierarchies(List<String> mountinfo) {
        Mounts mounts = Mounts.parse(mountinfo);
        Set<Path> roots = new LinkedHashSet<>();
        if (mounts.v2() != null) {
            roots.add(mounts.v2().mountPoint());
        }
        for (String controller : LIMIT_CONTROLLERS) {
            Mount mount = mounts.v1().get(controller);
            if (mount != null) {
                roots.add(mount.mountPoint());
            }
        }
        return List.copyOf(roots);
    }

    private static String unescape(String mountPath) {
        return mountPath.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** The first cgroup2 mount and, per v1 controller, the first mount that carries it. */
    private record Mounts(Mount v2, Map<String, Mount> v1) {
        static Mounts parse(List<String> mountinfo) {
            Mount v2 = null;
            Map<String, Mount> v1 = new HashMap<>();
            for (String line : mountinfo) {
                String[] halves = line.split(" - ", 2);
                if (halves.length != 2) {
                    continue;
                }
                String[] left = halves[0].split(" ");
                String[] right = halves[1].split(" ");
                if (left.length < 5 || right.length < 3) {
                    continue;
                }
                Mount mount = new Mount(left[3], Path.of(unescape(left[4])));
                if (right[0].equals("cgroup2") && v2 == null) {
                    v2 = mount;
                } else if (right[0].equals("cgroup")) {
                    for (String option : right[2].split(",")) {
                        v1.putIfAbsent(option, mount);
                    }
                }
            }
            return new Mounts(v2, v1);
        }
    }

    /** A cgroup mount: the hierarchy path shown at its root, and where it is mounted. */
    private record Mount(String root, Path mountPoint) {
        Path directoryFor(String cgroupPath) {
            String relative = cgroupPath;
            if (!root.equals("/") && (relative.equals(root) || relative.startsWith(root + "/"))) {
                relative = relative.substring(root.length());
            }
            relative = relative.replaceFirst("^/+", "");
            return relative.isEmpty() ? mountPoint : mountPoint.resolve(relative);
        }
    }
}
