package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.os.SpawnLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where this process sits in the cgroup hierarchies: its own v2 directory (if a v2 hierarchy is
 * mounted) and its own directory per v1 controller. Read from /proc/self/cgroup and mountinfo.
 */
public record CgroupLayout(Optional<Path> v2Own, Map<String, Path> v1Own) {

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
        Mount v2Mount = null;
        Map<String, Mount> v1Mounts = new HashMap<>();
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
            if (right[0].equals("cgroup2") && v2Mount == null) {
                v2Mount = mount;
            } else if (right[0].equals("cgroup")) {
                for (String option : right[2].split(",")) {
                    v1Mounts.putIfAbsent(option, mount);
                }
            }
        }
        Optional<Path> v2 = Optional.empty();
        Map<String, Path> v1 = new HashMap<>();
        for (String line : procCgroup) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                if (v2Mount != null) {
                    v2 = Optional.of(v2Mount.directoryFor(parts[2]));
                }
                continue;
            }
            for (String controller : parts[1].split(",")) {
                Mount mount = v1Mounts.get(controller);
                if (mount != null && !controller.isEmpty()) {
                    v1.put(controller, mount.directoryFor(parts[2]));
                }
            }
        }
        return new CgroupLayout(v2, Map.copyOf(v1));
    }

    private static String unescape(String mountPath) {
        return mountPath.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
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
