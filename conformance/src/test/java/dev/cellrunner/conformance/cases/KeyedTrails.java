package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs signed with a key of the case's own, appended to trail files as a user's runner would. */
final class KeyedTrails {
    private KeyedTrails() {
    }

    /** One run of /usr/bin/true, signed with {@code keys}, appended to {@code trail}. */
    static void run(Harness h, KeyFiles keys, Path trail, String id) {
        Path spec = h.writeSpec(Spec.cell(id, "/usr/bin/true"));
        RunResult run = h.call(RunnerCall.of("run", "--signing-key", keys.privateKey().toString(), "--events",
                "jsonl:" + trail, spec.toString()));
        assertThat(run.exitCode()).as(run.describe()).isZero();
    }

    /** The trail's lines grouped by run id (from each line's runid), each run's lines in file order. */
    static List<List<String>> runs(Path trail) {
        Map<String, List<String>> runs = new LinkedHashMap<>();
        for (String line : lines(trail)) {
            String runId = line.replaceAll(".*\"runid\":\"([^\"]+)\".*", "$1");
            runs.computeIfAbsent(runId, k -> new ArrayList<>()).add(line);
        }
        return new ArrayList<>(runs.values());
    }

    static List<String> lines(Path trail) {
        try {
            return Files.readAllLines(trail);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SafeVarargs
    static Path write(Harness h, String name, List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> part : parts) {
            all.addAll(part);
        }
        return h.write(name, String.join("\n", all) + "\n");
    }

    static RunResult verify(Harness h, String... arguments) {
        List<String> all = new ArrayList<>(List.of("verify"));
        all.addAll(List.of(arguments));
        return h.call(RunnerCall.of(all.toArray(String[]::new)));
    }
}
