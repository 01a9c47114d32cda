package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The two files {@code keygen --out DIR} writes (CONTRACT.md §3): the public one has "pub" in its name. */
public record KeyFiles(Path privateKey, Path publicKey) {
    /** Runs {@code keygen --out DIR} and finds the pair it wrote. */
    public static KeyFiles generate(Harness h, String name) {
        Path dir = h.file(name);
        RunResult keygen = h.call(RunnerCall.of("keygen", "--out", dir.toString()));
        assertThat(keygen.exitCode()).as(keygen.describe()).isZero();
        return new KeyFiles(onlyFile(dir, false), onlyFile(dir, true));
    }

    private static Path onlyFile(Path dir, boolean publicKey) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> matching = files.filter(f -> f.getFileName().toString().contains("pub") == publicKey).toList();
            assertThat(matching).as("%s key files in %s", publicKey ? "public" : "private", dir).hasSize(1);
            return matching.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
