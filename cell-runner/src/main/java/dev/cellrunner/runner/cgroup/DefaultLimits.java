package dev.cellrunner.runner.cgroup;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a cell gets when its document names no limit of that kind ({@code --default-pids-max},
 * {@code --default-memory-max}, {@code --default-temp-max}): without them one cell could start
 * thousands of processes, take the host's memory or fill its disk from $TMPDIR.
 *
 * @param pidsMax        processes and threads; null: no default
 * @param memoryMaxBytes null: no default
 * @param tempMaxBytes   the temp space, always bounded
 */
public record DefaultLimits(Long pidsMax, Long memoryMaxBytes, long tempMaxBytes) {
    public static final long GIB = 1L << 30;
    /** Below the 1500 processes of a fork bomb test, above what builds and test runners use. */
    public static final long PIDS_MAX = 1024;
    /** Room for a build or a JVM, and for a full temp space (tmpfs pages count as memory), below 2 GiB. */
    public static final long MEMORY_MAX_BYTES = 3 * GIB / 2;
    public static final long TEMP_MAX_BYTES = GIB;
    public static final DefaultLimits STANDARD = new DefaultLimits(PIDS_MAX, MEMORY_MAX_BYTES, TEMP_MAX_BYTES);
    /** No default cgroup limits; the temp space keeps its standard size. */
    public static final DefaultLimits TEMP_ONLY = new DefaultLimits(null, null, TEMP_MAX_BYTES);
    /** As the document's own limits (schema): 1 MiB up to 1 PiB of memory and temp, 1 to 2^22 processes. */
    static final long MIN_BYTES = 1L << 20;
    static final long MAX_BYTES = 1L << 50;
    static final long MAX_PIDS = 1L << 22;
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,16})([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    public DefaultLimits {
        check("pids", pidsMax, 1, MAX_PIDS);
        check("memory", memoryMaxBytes, MIN_BYTES, MAX_BYTES);
        check("temp", tempMaxBytes, MIN_BYTES, MAX_BYTES);
    }

    /** A byte count as an option gives it: "1073741824", "1536M", "1G", "2GiB"; or "none" where allowed. */
    public static Long bytes(String option, String text, boolean noneAllowed) {
        if (noneAllowed && "none".equals(text)) {
            return null;
        }
        Matcher matcher = SIZE.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "': expected bytes, optionally with K, M, G or T"
                    + " (powers of 1024)" + (noneAllowed ? ", or none" : ""));
        }
        int shift = switch (matcher.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long value = Long.parseLong(matcher.group(1));
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(option + " '" + text + "' is too large");
        }
        return value << shift;
    }

    /** A count as an option gives it, or "none". */
    public static Long count(String option, String text) {
        if ("none".equals(text)) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "': expected a number or none");
        }
    }

    private static void check(String what, Long value, long min, long max) {
        if (value != null && (value < min || value > max)) {
            throw new IllegalArgumentException("the default " + what + " limit " + value + " is outside " + min + ".."
                    + max);
        }
    }
}
