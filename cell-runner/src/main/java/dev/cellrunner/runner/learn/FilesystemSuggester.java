package dev.cellrunner.runner.learn;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.records.LandlockDenialRecord;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code authority.filesystem} entries that cover the landlock denials the kernel reported (pure): a
 * path denied a write, a creation, a removal or a truncation goes to {@code readWrite}; one denied only
 * reading to {@code readOnly}; one denied execution to {@code exec}. A path below {@code /proc/<pid>}
 * names a process of one run, so it becomes {@code /proc}. Sorted, each path in one list only (readWrite
 * wins over readOnly, which it includes).
 */
public final class FilesystemSuggester {
    private FilesystemSuggester() {
    }

    /** The three lists; all empty when nothing was denied. */
    public record Suggestion(List<String> readOnly, List<String> readWrite, List<String> exec) {
        public Suggestion {
            readOnly = List.copyOf(readOnly);
            readWrite = List.copyOf(readWrite);
            exec = List.copyOf(exec);
        }

        public boolean isEmpty() {
            return readOnly.isEmpty() && readWrite.isEmpty() && exec.isEmpty();
        }

        /** {@code {"readOnly": [...], "readWrite": [...], "exec": [...]}}, empty lists left out. */
        public ObjectNode json() {
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            put(json, "readOnly", readOnly);
            put(json, "readWrite", readWrite);
            put(json, "exec", exec);
            return json;
        }

        private static void put(ObjectNode json, String name, List<String> paths) {
            if (!paths.isEmpty()) {
                ArrayNode list = json.putArray(name);
                paths.forEach(list::add);
            }
        }
    }

    public static Suggestion suggest(List<LandlockDenialRecord> denials) {
        Set<String> readOnly = new TreeSet<>();
        Set<String> readWrite = new TreeSet<>();
        Set<String> exec = new TreeSet<>();
        for (LandlockDenialRecord denial : denials) {
            if (!denial.filesystem()) {
                continue;
            }
            String path = denial.path().replaceFirst("^/proc/[0-9]+(/.*)?$", "/proc");
            for (String blocker : denial.blockers()) {
                switch (blocker) {
                    case "fs.read_file", "fs.read_dir" -> readOnly.add(path);
                    case "fs.execute" -> exec.add(path);
                    default -> readWrite.add(path); // write_file, make_*, remove_*, truncate, refer, ioctl_dev
                }
            }
        }
        readOnly.removeAll(readWrite);
        return new Suggestion(List.copyOf(readOnly), List.copyOf(readWrite), List.copyOf(exec));
    }
}
