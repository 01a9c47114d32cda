package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cgroup.CgroupLayout;
import dev.cellrunner.runner.cgroup.V2Delegation;
import dev.cellrunner.runner.mount.CellInit;
import dev.cellrunner.runner.mount.MountPlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the host offers that planning depends on: the landlock ABI, the runner's own files a cell must
 * never reach (the event trail, keys, state), its cgroups, where cell-init is, and which optional
 * directories (/var/tmp, /var/run) are real directories here.
 *
 * @param cgroups       the runner's own cgroups
 * @param v2Controllers controllers the runner's v2 group can hand to its children (cgroup.controllers)
 * @param cellInit      the cell-init binary on the host
 * @param hostDirs      which of {@link MountPlan#OPTIONAL_DIRS} are real directories (not links)
 */
public record HostFacts(int landlockAbi, List<Path> privatePaths, CgroupLayout cgroups, Set<String> v2Controllers,
                        Path cellInit, Set<String> hostDirs) {
    static final String TEMP_BASE = "cellrunner-cells";

    public HostFacts {
        privatePaths = List.copyOf(privatePaths);
        v2Controllers = Set.copyOf(v2Controllers);
        hostDirs = Set.copyOf(hostDirs);
    }

    /** @param runnerFiles files of this runner the cell must not see (trails, key, spool, state) */
    public static HostFacts probe(List<Path> runnerFiles) throws Refusal {
        CgroupLayout cgroups;
        Set<String> v2Controllers = Set.of();
        try {
            cgroups = CgroupLayout.ofThisProcess();
            if (cgroups.v2Own().isPresent()) {
                Path cellParent = V2Delegation.cellParent(cgroups.v2Own().get());
                String text = Files.readString(cellParent.resolve("cgroup.controllers")).trim();
                v2Controllers = text.isEmpty() ? Set.of() : Set.of(text.split("\\s+"));
            }
        } catch (IOException e) {
            cgroups = new CgroupLayout(Optional.empty(), Map.of());
        }
        Set<String> dirs = new HashSet<>();
        for (String dir : MountPlan.OPTIONAL_DIRS) {
            if (Files.isDirectory(Path.of(dir), LinkOption.NOFOLLOW_LINKS)) {
                dirs.add(dir);
            }
        }
        return new HostFacts(Landlock.abi(), runnerFiles, cgroups, v2Controllers, CellInit.binary(), dirs);
    }

    /**
     * {@code $java.io.tmpdir/cellrunner-cells}, where versions before the cells' own tmpfs made each
     * cell's temp dir; gc still removes what killed runners of those versions left there.
     */
    public static Path tempBaseDir() {
        return Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve(TEMP_BASE);
    }
}
