package dev.cellrunner.runner.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Paths an operator gives (keys, trails) that are no such files: a FIFO, a device, a kernel switch. Each
 * is refused with 64 before anything is read or written, with one clear line and no stack trace. The CLI
 * runs in its own JVM; a hang shows as the bound of {@link #cli} passing (a hang check, not a speed target).
 * The procfs case runs in a UTS namespace of its own, so even a runner that wrote there would change
 * nothing of the host's.
 */
class OperatorPathsCliTest {
    @TempDir
    Path dir;
    private Path spec;

    record Result(int status, String err) {
    }

    @BeforeEach
    void writeSpec() throws IOException {
        spec = Files.writeString(dir.resolve("cell.json"), """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "operator-paths", "lifetime": {"ttlSeconds": 30},
                          "run": {"argv": ["/bin/true"]}}}
                """);
    }

    private Result cli(List<String> prefix, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xmx64m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CELLOS_") || k.startsWith("CELL_OS_"));
        builder.environment().put("XDG_STATE_HOME", dir.resolve("state").toString());
        Process process = builder.start();
        boolean ended = process.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor();
        }
        assertThat(ended).as("the runner hung").isTrue();
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(err).doesNotContain("OutOfMemoryError").doesNotContain("\tat ");
        return new Result(process.exitValue(), err);
    }

    private Result cli(String... args) throws Exception {
        return cli(List.of(), args);
    }

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    @Test
    void aSigningKeyAtAFifoIsRefusedNotWaitedFor() throws Exception {
        Result result = cli("run", spec.toString(), "--events", "none", "--signing-key", fifo("key.fifo").toString());
        assertThat(result.status()).isEqualTo(64);
        assertThat(result.err()).contains("key.fifo is a FIFO, not a regular file");
    }

    @Test
    void aSigningKeyAtDevZeroIsRefusedFromWhatItIs() throws Exception {
        Result result = cli("run", spec.toString(), "--events", "none", "--signing-key", "/dev/zero");
        assertThat(result.status()).isEqualTo(64);
        assertThat(result.err()).contains("/dev/zero is a character device, not a regular file");
    }

    @Test
    void aVerifyKeyAtAFifoIsRefused() throws Exception {
        Path trail = Files.writeString(dir.resolve("trail.jsonl"), "");
        Result result = cli("verify", "--key", fifo("pub.fifo").toString(), trail.toString());
        assertThat(result.status()).isEqualTo(64);
        assertThat(result.err()).contains("pub.fifo is a FIFO, not a regular file");
    }

    @Test
    void aHugeKeyFileIsRefusedFromItsSize() throws Exception {
        Path big = dir.resolve("big.key");
        try (var file = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(3L << 30);
        }
        Result result = cli("run", spec.toString(), "--events", "none", "--signing-key", big.toString());
        assertThat(result.status()).isEqualTo(64);
        assertThat(result.err()).contains("more than such a file may");
    }

    @Test
    void aTrailOnProcfsIsRefusedBeforeAnythingIsWritten() throws Exception {
        // in a UTS namespace of its own: the domain name below is the namespace's, never the host's
        Result result = cli(List.of("unshare", "--uts", "sh", "-c", "domainname cr-ops-untouched && exec \"$@\"", "sh"),
                "run", spec.toString(), "--events", "jsonl:/proc/sys/kernel/domainname");
        assertThat(result.status()).isEqualTo(64);
        assertThat(result.err()).contains("jsonl:/proc/sys/kernel/domainname is on procfs");
    }

    @Test
    void aTrailAtAFifoOrADeviceIsRefused() throws Exception {
        Result fifo = cli("run", spec.toString(), "--events", "jsonl:" + fifo("trail.fifo"));
        assertThat(fifo.status()).isEqualTo(64);
        assertThat(fifo.err()).contains("trail.fifo is a FIFO; a JSONL trail must be a regular file");
        Result device = cli("run", spec.toString(), "--events", "jsonl:/dev/null");
        assertThat(device.status()).isEqualTo(64);
        assertThat(device.err()).contains("is a character device");
    }

    @Test
    void aBadOptionIsReportedBeforeTheDocumentsOwnProblems() throws Exception {
        // the runner reads and validates one document before it checks the options (start-up overlaps
        // them); what it reports, and the exit status, are the option's, as if the document was never read
        Path invalid = Files.writeString(dir.resolve("invalid.json"), "{\"apiVersion\": \"cellos.io/v1\"}");
        Result withInvalid = cli("run", invalid.toString(), "--events", "jsonl:" + fifo("a.fifo"));
        assertThat(withInvalid.status()).isEqualTo(64);
        assertThat(withInvalid.err()).contains("a.fifo is a FIFO; a JSONL trail must be a regular file")
                .doesNotContain("invalid.json");
        Result withMissing = cli("run", dir.resolve("missing.json").toString(), "--events", "jsonl:" + fifo("b.fifo"));
        assertThat(withMissing.status()).isEqualTo(64);
        assertThat(withMissing.err()).contains("b.fifo is a FIFO").doesNotContain("missing.json");
    }

    @Test
    void theDocumentsOwnProblemsFollowGoodOptions() throws Exception {
        Path invalid = Files.writeString(dir.resolve("invalid.json"), "{\"apiVersion\": \"cellos.io/v1\"}");
        Result withInvalid = cli("run", invalid.toString(), "--events", "none");
        assertThat(withInvalid.status()).isEqualTo(65);
        assertThat(withInvalid.err()).contains("invalid.json");
        Result withMissing = cli("run", dir.resolve("missing.json").toString(), "--events", "none");
        assertThat(withMissing.status()).isEqualTo(64);
        assertThat(withMissing.err()).contains("cannot read " + dir.resolve("missing.json"));
    }
}
