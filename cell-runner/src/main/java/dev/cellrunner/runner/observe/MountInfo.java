package dev.cellrunner.runner.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A process's mount table as /proc/&lt;pid&gt;/mountinfo gives it (proc(5)), in mount order. */
public record MountInfo(List<Entry> entries) {
    public MountInfo {
        entries = List.copyOf(entries);
    }

    /**
     * One line: where it is mounted (in the process's root), the per-mount options (ro, nosuid, ...),
     * the filesystem type and its super options (e.g. a tmpfs's size).
     */
    public record Entry(String mountPoint, String mountOptions, String fsType, String superOptions) {
        public boolean readOnly() {
            return List.of(mountOptions.split(",")).contains("ro");
        }

        /** A super option's value, e.g. "size" of a tmpfs. */
        public Optional<String> superOption(String name) {
            for (String option : superOptions.split(",")) {
                if (option.startsWith(name + "=")) {
                    return Optional.of(option.substring(name.length() + 1));
                }
            }
            return Optional.empty();
        }
    }

    public static MountInfo parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            String[] halves = line.split(" - ", 2);
            String[] left = halves[0].split(" ");
            String[] right = halves.length == 2 ? halves[1].split(" ") : new String[0];
            if (left.length < 6 || right.length < 3) {
                continue;
            }
            entries.add(new Entry(unescape(left[4]), left[5], right[0], right[2]));
        }
        return new MountInfo(entries);
    }

    /** The mount that is visible at {@code mountPoint}: the last one mounted there. */
    public Optional<Entry> at(String mountPoint) {
        Entry top = null;
        for (Entry entry : entries) {
            if (entry.mountPoint().equals(mountPoint)) {
                top = entry;
            }
        }
        return Optional.ofNullable(top);
    }

    /** A tmpfs size as mountinfo shows it ("1048576k"), in bytes; -1 when it cannot be read. */
    public static long sizeInBytes(String size) {
        try {
            char unit = size.charAt(size.length() - 1);
            long factor = switch (Character.toLowerCase(unit)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                case 'g' -> 1L << 30;
                default -> 1;
            };
            String digits = Character.isDigit(unit) ? size : size.substring(0, size.length() - 1);
            return Long.parseLong(digits) * factor;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
