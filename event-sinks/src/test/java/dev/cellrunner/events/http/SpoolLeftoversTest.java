package dev.cellrunner.events.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolLeftoversTest {
    private static final Instant NOW = Instant.now();

    @TempDir
    Path spool;

    @Test
    void unheldRunsOfDeadRunnersAreTidiedAndTheirEventsKeptForFlush() throws Exception {
        Path receiver = Files.createDirectories(spool.resolve("0123abcd"));
        Files.writeString(receiver.resolve("receiver.txt"), "http://127.0.0.1:1/\n");
        Path delivered = run(receiver, "1-a", 0, Duration.ofMinutes(5));
        Path undelivered = run(receiver, "2-b", 2, Duration.ofMinutes(5));
        Path young = run(receiver, "3-c", 0, Duration.ZERO);
        Path held = run(receiver, "4-d", 1, Duration.ofMinutes(5));

        SpoolLeftovers.Report report;
        try (FileChannel channel = FileChannel.open(held.resolve(".lock"), StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            report = SpoolLeftovers.collect(spool, NOW);
        }

        assertThat(report.removed()).containsExactly(delivered);
        assertThat(delivered).doesNotExist();
        assertThat(report.waitingEvents()).as("events of the unheld run, for flush").isEqualTo(2);
        assertThat(undelivered.resolve("00000001.ce.json")).exists();
        assertThat(young.resolve(".lock")).as("a run dir a live runner may be creating").exists();
        assertThat(held.resolve("00000000.ce.json")).as("a run dir a live sink holds").exists();
        assertThat(report.problems()).isEmpty();
    }

    @Test
    void noSpoolIsNothingToDo() {
        SpoolLeftovers.Report report = SpoolLeftovers.collect(spool.resolve("absent"), NOW);
        assertThat(report.removed()).isEmpty();
        assertThat(report.waitingEvents()).isZero();
    }

    private static Path run(Path receiver, String name, int events, Duration age) throws Exception {
        Path dir = Files.createDirectory(receiver.resolve(name));
        Files.createFile(dir.resolve(".lock"));
        for (int i = 0; i < events; i++) {
            Files.writeString(dir.resolve(String.format("%08d%s", i, Spool.SUFFIX)), "{}");
        }
        Files.setLastModifiedTime(dir, FileTime.from(NOW.minus(age)));
        return dir;
    }
}
