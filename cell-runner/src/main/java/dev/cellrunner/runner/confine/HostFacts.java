package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cgroup.CgroupLayout;
import dev.cellrunner.runner.cgroup.V2Delegation;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the host offers that planning depends on: the landlock ABI, where cell temp dirs live, and
 * the runner's own files a cell must never reach (the event trail, other cells' temp dirs).
 *
 * @param tempBase      {@code $java.io.tmpdir/cellrunner-cells}: root-owned, mode 0711 (others may pass
 *                      through to their own dir, not list it); every cell's temp dir is created below it
 * @param cgroups       the runner's own cgroups
 * @param v2Controllers controllers the runner's v2 group can hand to its children (cgroup.controllers)
 */
public record HostFacts(int landlockAbi, Path tempBase, List<Path> privatePaths, CgroupLayout cgroups,
                        Set<String> v2Controllers) {
    static final String TEMP_BASE = "cellrunner-cells";
    private static final Set<PosixFilePermission> TEMP_BASE_MODE = PosixFilePermissions.fromString("rwx--x--x");

    public HostFacts {
        privatePaths = List.copyOf(privatePaths);
        v2Controllers = Set.copyOf(v2Controllers);
    }

    /** @param runnerFiles files of this runner the cell must not read or write (e.g. the JSONL trail) */
    public static HostFacts probe(List<Path> runnerFiles) throws Refusal {
        Path base = tempBaseDir();
        try {
            try {
                Files.createDirectory(base, PosixFilePermissions.asFileAttribute(TEMP_BASE_MODE));
                Files.setPosixFilePermissions(base, TEMP_BASE_MODE); // the umask may have narrowed it
            } catch (FileAlreadyExistsException e) {
                // made by an earlier run: checked below like a new one
            }
            checkOwnedByUs(base);
            base = base.toRealPath();
        } catch (IOException e) {
            throw new Refusal("confinement", "cannot prepare the cells' temp directory " + base + ": " + e.getMessage());
        }
        List<Path> privates = new ArrayList<>(runnerFiles);
        privates.add(base);
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
        return new HostFacts(Landlock.abi(), base, privates, cgroups, v2Controllers);
    }

    /** {@code $java.io.tmpdir/cellrunner-cells}, where every cell's temp dir is created. */
    public static Path tempBaseDir() {
        return Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve(TEMP_BASE);
    }

    /** A shared temp dir someone else planted (a link, another owner, writable by others) is not used. */
    private static void checkOwnedByUs(Path base) throws IOException, Refusal {
        PosixFileAttributes attributes = Files.readAttributes(base, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        Object ownerUid = Files.getAttribute(base, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object ourUid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        boolean writableByOthers = attributes.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || attributes.permissions().contains(PosixFilePermission.OTHERS_WRITE);
        if (!attributes.isDirectory() || !ownerUid.equals(ourUid) || writableByOthers) {
            throw new Refusal("confinement", base + " is not a directory owned by the runner and closed to others; "
                    + "remove it so the runner can create it");
        }
    }
}
