package dev.cellrunner.runner.observe;

import dev.cellrunner.runner.os.CellNamespaces;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the host sees of a cell's PID 1 from outside, read from /proc: its namespaces next to the
 * runner's, its mount table, and whether runner-private paths can be seen through its root.
 *
 * @param namespaces one entry per namespace kind a cell gets
 * @param mounts     /proc/&lt;pid&gt;/mountinfo
 * @param privates   each private path as seen through /proc/&lt;pid&gt;/root: absent, masked (empty) or visible
 */
public record CellView(List<Namespace> namespaces, MountInfo mounts, List<PrivatePath> privates) {
    public CellView {
        namespaces = List.copyOf(namespaces);
        privates = List.copyOf(privates);
    }

    /** A namespace of the cell (e.g. "mnt:[4026532301]") next to the runner's of the same kind. */
    public record Namespace(String kind, String cell, String runner) {
        public boolean separate() {
            return cell != null && runner != null && !cell.equals(runner);
        }
    }

    /** {@code seen}: "absent", "masked" (an empty file or directory) or "visible". */
    public record PrivatePath(Path path, String seen) {
        public boolean hidden() {
            return !seen.equals("visible");
        }
    }

    /** The namespaces of process {@code pid}, each next to the runner's (they do not depend on its mounts). */
    public static List<Namespace> namespacesOf(long pid) throws IOException {
        Path ns = Path.of("/proc", Long.toString(pid), "ns");
        List<Namespace> namespaces = new ArrayList<>();
        for (String kind : CellNamespaces.KINDS) {
            namespaces.add(new Namespace(kind, link(ns.resolve(kind)), link(Path.of("/proc/self/ns").resolve(kind))));
        }
        return namespaces;
    }

    /**
     * The view of process {@code pid}, its {@code namespaces} read already ({@link #namespacesOf}): its mount
     * table and private paths are read now, so once every mount of the cell is made.
     */
    public static CellView of(long pid, List<Namespace> namespaces, List<Path> privatePaths) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        MountInfo mounts = MountInfo.parse(Files.readAllLines(proc.resolve("mountinfo")));
        List<PrivatePath> privates = new ArrayList<>();
        for (Path path : privatePaths) {
            privates.add(new PrivatePath(path, seen(proc.resolve("root").resolve(path.toString().substring(1)))));
        }
        return new CellView(namespaces, mounts, privates);
    }

    private static String seen(Path throughRoot) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(throughRoot, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return "absent";
        }
        if (attributes.isDirectory()) {
            try (Stream<Path> entries = Files.list(throughRoot)) {
                return entries.findAny().isEmpty() ? "masked" : "visible";
            }
        }
        return attributes.isRegularFile() && attributes.size() == 0 ? "masked" : "visible";
    }

    private static String link(Path path) throws IOException {
        return Files.readSymbolicLink(path).toString();
    }
}
