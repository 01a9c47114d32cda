package dev.cellrunner.runner.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Interface names from a net/dev file: what a namespace holds, as the kernel lists it. */
public final class NetDev {
    private NetDev() {
    }

    /** Interfaces seen by thread {@code tid} of process {@code pid}. */
    public static List<String> interfacesOf(long pid, long tid) throws IOException {
        return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "net", "dev")));
    }

    static List<String> parse(List<String> lines) {
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.contains("|")) {
                names.add(line.substring(0, colon).trim());
            }
        }
        return names;
    }
}
