package dev.cellrunner.runner.os;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpawnerTest {
    private static SpawnedProcess sh(String script, Path workingDirectory, boolean pipeStdin) throws Exception {
        return Spawner.spawn(new SpawnRequest("/bin/sh", List.of("sh", "-c", script),
                Map.of("PATH", "/usr/bin:/bin", "ONLY", "this"), workingDirectory, pipeStdin));
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void childGetsExactlyTheGivenEnvironmentAndDirectory(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        SpawnedProcess child = sh("env | sort; pwd", dir, false);

        String out = text(child.stdout());
        assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
        assertThat(out).contains("ONLY=this", "PATH=/usr/bin:/bin", dir.toString()).doesNotContain("HOME=");
    }

    @Test
    void exitCodeAndKillingSignalAreTold() throws Exception {
        SpawnedProcess exits = sh("exit 137", null, false);
        SpawnedProcess killed = sh("kill -KILL $$", null, false);

        assertThat(exits.waitFor()).isEqualTo(ExitStatus.exited(137));
        ExitStatus status = killed.waitFor();
        assertThat(status.signal()).isEqualTo(9);
        assertThat(status.exitCode()).isNull();
        assertThat(status.shellStatus()).isEqualTo(137);
    }

    @Test
    void aBoundedWaitTellsAChildStillRunningThenReapsItWithItsStatus() throws Exception {
        SpawnedProcess sleeps = sh("read line", null, true); // runs until its stdin closes
        assertThat(sleeps.waitFor(() -> 50)).as("still running after 50 ms").isNull();
        sleeps.stdin().close();
        assertThat(sleeps.waitFor(() -> 10_000)).isEqualTo(ExitStatus.exited(1));

        SpawnedProcess killed = sh("kill -KILL $$", null, false);
        ExitStatus status = killed.waitFor(() -> 10_000);
        assertThat(status.signal()).isEqualTo(9);
        assertThat(status.shellStatus()).isEqualTo(137);
        assertThat(Path.of("/proc/" + killed.pid())).as("reaped, not left a zombie").doesNotExist();
    }

    @Test
    void stdinIsDevNullUnlessPiped() throws Exception {
        SpawnedProcess reads = sh("cat; echo end", null, false);
        assertThat(text(reads.stdout())).isEqualTo("end\n");
        reads.waitFor();

        SpawnedProcess piped = sh("cat", null, true);
        try (OutputStream in = piped.stdin()) {
            in.write("through the pipe".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(text(piped.stdout())).isEqualTo("through the pipe");
        piped.waitFor();
    }

    @Test
    void noDescriptorAboveStderrReachesTheChild(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("open-in-runner"), "x");
        try (RandomAccessFile held = new RandomAccessFile(secret.toFile(), "r")) {
            SpawnedProcess child = sh("ls /proc/self/fd", null, false);
            assertThat(text(child.stdout()).split("\\s+")).containsExactlyInAnyOrder("0", "1", "2", "3");
            child.waitFor();
        }
    }

    @Test
    void childLeadsItsOwnSession() throws Exception {
        SpawnedProcess child = sh("cut -d' ' -f6 /proc/$$/stat; echo $$", null, false);
        String[] lines = text(child.stdout()).trim().split("\\s+");
        child.waitFor();
        assertThat(lines[0]).isEqualTo(lines[1]);
    }

    @Test
    void missingExecutableIsASpawnErrorWithErrno() {
        assertThatThrownBy(() -> Spawner.spawn(new SpawnRequest("/nonexistent/tool", List.of("tool"), Map.of(), null,
                false)))
                .isInstanceOf(SpawnException.class)
                .hasMessageContaining("/nonexistent/tool")
                .satisfies(e -> assertThat(((SpawnException) e).errno()).isEqualTo(2));
    }
}
