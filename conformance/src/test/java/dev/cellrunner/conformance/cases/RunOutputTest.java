package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.Await;
import dev.cellrunner.conformance.harness.CellHold;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunningRunner;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ContractSection("§1 run: argv, environment, output")
@ExtendWith(HarnessExtension.class)
class RunOutputTest {
    private static final long HUGE_OUTPUT_BYTES = 200L * 1024 * 1024;

    @Test
    @DisplayName("stdout and stderr stream through while the cell runs; completed counts their bytes exactly")
    void outputStreamsThroughWithByteCounts(Harness h) {
        Kernel.requireNetworkNamespaces();
        CellHold hold = h.hold("cell");
        Spec spec = Spec.shell("crconf-stream",
                "printf 'first-line\\n'; printf 'to-stderr\\n' >&2; " + hold.script() + "; printf 'last\\n'").writable(h.cellDir());
        RunningRunner running = h.start(RunnerCall.run(h.writeSpec(spec)));

        hold.awaitPid(running);
        Await.until(Duration.ofSeconds(10), "the cell's first line on the runner's stdout while the cell still runs",
                () -> running.stdoutSoFar().contains("first-line\n"));
        hold.release();
        RunResult result = running.awaitExit();

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdoutText()).isEqualTo("first-line\nlast\n");
        assertThat(result.stderr()).contains("to-stderr\n");
        JsonNode completed = result.trail().data(EventType.COMPLETED);
        assertThat(completed.path("stdoutBytes").asLong()).isEqualTo("first-line\nlast\n".length());
        assertThat(completed.path("stderrBytes").asLong()).isEqualTo("to-stderr\n".length());
    }

    @Test
    @DisplayName("200 MiB of stdout: exact stdoutBytes, and the runner's peak memory stays below the output's size")
    void hugeOutput(Harness h) {
        Kernel.requireNetworkNamespaces();
        Spec spec = Spec.cell("crconf-huge", "/usr/bin/head", "-c", Long.toString(HUGE_OUTPUT_BYTES), "/dev/zero");
        RunningRunner running = h.start(RunnerCall.run(h.writeSpec(spec)).discardStdout().limit(Duration.ofSeconds(120)));

        long peakKib = 0;
        while (running.isAlive()) {
            for (ProcessHandle process : running.processTree()) {
                peakKib = Math.max(peakKib, Proc.peakRssKib(process.pid()).orElse(0L));
            }
            Await.pause(20);
        }
        RunResult result = running.awaitExit();

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.trail().data(EventType.COMPLETED).path("stdoutBytes").asLong()).isEqualTo(HUGE_OUTPUT_BYTES);
        assertThat(peakKib).as("the runner's memory was read at least once while it ran").isPositive();
        assertThat(peakKib * 1024).as("peak resident memory (VmHWM) of the runner's processes, bytes")
                .isLessThan(HUGE_OUTPUT_BYTES);
    }

    @Test
    @DisplayName("hostile argv (newlines, quotes, $(...), ;, globs, UTF-8) reaches the program byte-exact, no shell")
    void hostileArgvIsPassedExactly(Harness h) {
        Kernel.requireNetworkNamespaces();
        Path pwned = h.cellFile("pwned");
        List<String> hostile = List.of("line one\nline two", "it's \"double\" and 'single'", "$(touch " + pwned + ")",
                "`touch " + pwned + "`", "; touch " + pwned, "&& touch " + pwned, "| cat", "*", "  padded  ", "",
                "tab\there", "ünïcødé ☃ 🧪", "$HOME ${PATH}", "\\backslash\\n", "--help");
        List<String> argv = new ArrayList<>(List.of("/usr/bin/printf", "<%s>"));
        argv.addAll(hostile);
        RunResult result = h.run(Spec.cell("crconf-argv", argv.toArray(String[]::new)).writable(h.cellDir()));

        StringBuilder expected = new StringBuilder();
        hostile.forEach(a -> expected.append('<').append(a).append('>'));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as("bytes the program printed").isEqualTo(expected.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(pwned).as("a shell evaluated part of argv").doesNotExist();
        List<String> reported = new ArrayList<>();
        result.trail().data(EventType.STARTED).path("argv").forEach(a -> reported.add(a.asText()));
        assertThat(reported).as("started.argv").isEqualTo(argv);
    }

    @Test
    @DisplayName("the command's environment is run.env plus PATH, nothing of the runner's")
    void environmentIsOnlyWhatTheDocumentGives(Harness h) {
        Kernel.requireNetworkNamespaces();
        Spec spec = Spec.cell("crconf-env", "/usr/bin/env").env("CRCONF_GIVEN", "from the document");
        RunResult result = h.call(RunnerCall.run(h.writeSpec(spec)).env("CRCONF_CANARY", "runner-only"));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<String> names = result.stdoutText().lines().map(l -> l.substring(0, l.indexOf('='))).toList();
        // CONTRACT.md section 1: run.env, delivered secrets, a minimal PATH and TMPDIR (the cell's own temp dir)
        assertThat(names).as("variables the command saw:\n%s", result.stdoutText())
                .containsExactlyInAnyOrder("PATH", "TMPDIR", "CRCONF_GIVEN");
        assertThat(result.stdoutText()).contains("CRCONF_GIVEN=from the document\n");
    }

    @Test
    @DisplayName("a declared secret reaches the command's environment and appears in no event, log or error")
    void secretDeliveredButNeverReported(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        String secret = h.marker() + "-s3cr3t-value";
        Spec spec = Spec.shell("crconf-secret", "printf %s \"$CRCONF_TOKEN\" | sha256sum").secretRef("CRCONF_TOKEN");
        RunResult result = h.call(RunnerCall.run(h.writeSpec(spec)).env("CELLOS_SECRET_CRCONF_TOKEN", secret));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdoutText()).as("sha256 of what the command saw in CRCONF_TOKEN").startsWith(sha256Hex(secret));
        assertThat(Files.readString(result.trail().file())).as("the trail").doesNotContain(secret);
        assertThat(result.stderr()).as("the runner's stderr").doesNotContain(secret);
    }

    @Test
    @DisplayName("run.workingDirectory is the command's working directory")
    void workingDirectory(Harness h) {
        Kernel.requireNetworkNamespaces();
        // the host's /tmp is not the cell's: a working directory there is given to the cell (readOnly)
        RunResult result = h.run(Spec.cell("crconf-cwd", "/bin/pwd").workingDirectory(h.dir().toString())
                .filesystem(List.of("/", h.dir().toString()), List.of()));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdoutText()).isEqualTo(h.dir() + "\n");
    }

    private static String sha256Hex(String text) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
