package dev.cellrunner.runner.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the kernel says a process lives (/proc/&lt;pid&gt;/cgroup) next to where it should: the cell's
 * v2 leaf and each v1 group that holds a limit; plus the limits as the groups now hold them.
 *
 * @param observed hierarchy ("v2" or a v1 controller) to the path /proc/&lt;pid&gt;/cgroup shows
 * @param expected hierarchy to the group the process must be in
 */
public record CgroupObservation(Map<String, String> observed, Map<String, Path> expected,
                                List<CellLimits.LimitObservation> limits) {

    public static CgroupObservation of(long pid, CellGroups groups) throws IOException {
        Map<String, Path> expected = new TreeMap<>(groups.limits().v1Groups());
        expected.put("v2", groups.leaf().dir());
        return new CgroupObservation(parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))),
                expected, groups.limits().observe());
    }

    /** "hierarchy-id:controllers:path" lines, keyed by controller ("v2" for the unified line). */
    static Map<String, String> parse(List<String> lines) {
        Map<String, String> paths = new TreeMap<>();
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                paths.put("v2", parts[2]);
            }
            for (String controller : parts[1].split(",")) {
                if (!controller.isEmpty()) {
                    paths.put(controller, parts[2]);
                }
            }
        }
        return paths;
    }

    /** Each expected group is the last component of the path the kernel shows for that hierarchy. */
    public boolean inExpectedGroups() {
        return expected.entrySet().stream().allMatch(e -> {
            String path = observed.get(e.getKey());
            return path != null && path.endsWith("/" + e.getValue().getFileName());
        });
    }
}
