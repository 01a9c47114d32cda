package dev.cellrunner.runner.mount;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.spec.FilesystemAuthority;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns {@code authority.filesystem} and the host's facts into a cell's {@link MountPlan}. */
public final class MountPlanner {

    private MountPlanner() {
    }

    /**
     * @param privatePaths runner-private paths (they need not exist)
     * @param init         the cell-init binary on the host
     * @param hostDirs     which of {@link MountPlan#OPTIONAL_DIRS} are real directories here
     */
    public static MountPlan plan(FilesystemAuthority filesystem, List<Path> privatePaths, Path init,
                                 Set<String> hostDirs, long tempBytes, String tempSource) throws Refusal {
        Map<Path, MountPlan.DeclaredMount> binds = new LinkedHashMap<>();
        if (filesystem != null) {
            declare(binds, filesystem.readOnly(), MountPlan.Access.READ_ONLY, "authority.filesystem.readOnly");
            declare(binds, filesystem.exec(), MountPlan.Access.READ_ONLY, "authority.filesystem.exec");
            declare(binds, filesystem.readWrite(), MountPlan.Access.READ_WRITE, "authority.filesystem.readWrite");
        }
        List<Path> privates = privatePaths.stream().map(MountPlanner::real).distinct().toList();
        List<MountPlan.DeclaredMount> declared = new ArrayList<>();
        for (MountPlan.DeclaredMount mount : binds.values()) {
            for (Path secret : privates) {
                boolean overlaps = secret.startsWith(mount.planned()) || mount.planned().startsWith(secret);
                if (mount.access() == MountPlan.Access.READ_WRITE && overlaps) {
                    throw new Refusal(mount.source(), mount.declared() + " would let the cell write the runner's own "
                            + secret + " (trail, key, spool or state); narrow the path or move the runner's file");
                }
            }
            declared.add(new MountPlan.DeclaredMount(declared.size(), mount.declared(), mount.planned(), mount.access(),
                    mount.source()));
        }
        return new MountPlan(tempBytes, tempSource, init, declared, privates, List.of(), hostDirs);
    }

    /** Where a private path really is (masks are placed without following links), or as given while it does not exist. */
    private static Path real(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /**
     * One bind per real path; readWrite wins over readOnly. The host's root needs no bind (it is the
     * cell's root, read-only), and /proc and /dev are the cell's own, never the host's.
     */
    private static void declare(Map<Path, MountPlan.DeclaredMount> binds, List<String> paths, MountPlan.Access access,
                                String source) throws Refusal {
        for (String path : paths) {
            Path real;
            try {
                real = Path.of(path).toRealPath();
            } catch (IOException e) {
                throw new Refusal(source, path + " does not exist on this host");
            }
            boolean root = real.getNameCount() == 0;
            if ((root && access == MountPlan.Access.READ_ONLY) || real.startsWith("/proc") || real.startsWith("/dev")) {
                continue;
            }
            MountPlan.DeclaredMount known = binds.get(real);
            if (known == null || access == MountPlan.Access.READ_WRITE) {
                binds.put(real, new MountPlan.DeclaredMount(-1, path, real, access, source));
            }
        }
    }
}
