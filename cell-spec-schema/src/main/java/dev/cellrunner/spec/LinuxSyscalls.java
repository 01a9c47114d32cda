package dev.cellrunner.spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The Linux x86-64 system call table: the one place that says which names {@code authority.syscalls.deny}
 * may use and which number each has in the runner's seccomp filter (resource {@code linux-x86_64-syscalls.tsv}).
 */
public final class LinuxSyscalls {
    private static final String TABLE = "linux-x86_64-syscalls.tsv";
    private static final Map<String, Integer> NUMBERS = load();

    private LinuxSyscalls() {
    }

    /** The x86-64 number of {@code name}, or empty when no such system call exists. */
    public static OptionalInt number(String name) {
        Integer number = NUMBERS.get(name);
        return number == null ? OptionalInt.empty() : OptionalInt.of(number);
    }

    public static Map<String, Integer> all() {
        return Collections.unmodifiableMap(NUMBERS);
    }

    private static Map<String, Integer> load() {
        Map<String, Integer> numbers = new TreeMap<>();
        try (InputStream in = LinuxSyscalls.class.getResourceAsStream(TABLE)) {
            if (in == null) {
                throw new IllegalStateException(TABLE + " is missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t");
                numbers.put(fields[0], Integer.parseInt(fields[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return numbers;
    }
}
