package dev.cellrunner.runner.cell;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Classes a launch thread loads once it has pivoted into the cell's root, loaded beforehand when the
 * runner's classes are a directory (tests, IDEs): after the pivot that directory may not be in the
 * thread's view (it is not when it lies in /tmp, which the cell has of its own). A jar needs nothing:
 * the JVM holds it open from the start.
 */
final class LaunchClasses {
    private static final List<String> PACKAGES = List.of("cell", "cgroup", "confine", "egress", "mount", "observe", "os");
    private static volatile boolean loaded;

    private LaunchClasses() {
    }

    static void loadIfFromDirectory() {
        if (loaded) {
            return;
        }
        synchronized (LaunchClasses.class) {
            if (loaded) {
                return;
            }
            loaded = true;
            Path root;
            try {
                root = Path.of(LaunchClasses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException | RuntimeException e) {
                return;
            }
            if (!Files.isDirectory(root)) {
                return;
            }
            ClassLoader loader = LaunchClasses.class.getClassLoader();
            for (String name : PACKAGES) {
                Path dir = root.resolve("dev/cellrunner/runner").resolve(name);
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                        String relative = root.relativize(file).toString();
                        Class.forName(relative.substring(0, relative.length() - ".class".length()).replace('/', '.'),
                                false, loader);
                    }
                } catch (IOException | ClassNotFoundException | LinkageError e) {
                    // a class that cannot be loaded now fails later with its own error
                }
            }
        }
    }
}
