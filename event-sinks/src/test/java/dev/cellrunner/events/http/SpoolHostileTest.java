package dev.cellrunner.events.http;

import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.TestRunsAccess;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A spool that someone else could write into: links, FIFOs, huge or foreign files. Flush and gc read,
 * send and delete nothing outside the spool, never hang past the grace time, and report what they skip
 * (and keep it). Everything hostile is made here, in a temp dir of the test's own.
 */
class SpoolHostileTest {
    private static final SigningKey KEY = TestRunsAccess.fixedKey();

    @TempDir
    Path dir;

    private HttpSinkSettings settings(URI endpoint) {
        return HttpSinkSettings.defaults(endpoint, HttpMode.STRUCTURED, dir.resolve("spool"))
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30))
                .withRetries(3, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    /** A run directory as a dead runner leaves it, holding {@code events} real signed events. */
    private Path deadRun(HttpSinkSettings settings, String name, int events) throws Exception {
        Path receiver = Files.createDirectories(Spool.receiverDir(settings.spoolDir(), settings));
        Path run = Files.createDirectory(receiver.resolve(name));
        Files.createFile(run.resolve(".lock"));
        List<CloudEvent> made = new ArrayList<>();
        try (EventTrail trail = TestRunsAccess.trail(KEY, new CollectingSink(made))) {
            TestRunsAccess.emitRun(trail, Math.max(0, events - 2));
        }
        for (int i = 0; i < events; i++) {
            Files.write(run.resolve(String.format("%08d%s", i, Spool.SUFFIX)), EventJson.serialize(made.get(i)));
        }
        return run;
    }

    @Test
    void aLinkToAFileOutsideTheSpoolIsNeitherSentNorDeleted() throws Exception {
        Path secret = Files.writeString(dir.resolve("root-only.json"), "{\"secret\":\"root's\"}");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            HttpSinkSettings settings = settings(receiver.uri("http"));
            Path run = deadRun(settings, "1-links", 2);
            Path link = Files.createSymbolicLink(run.resolve("00000002" + Spool.SUFFIX), secret);

            SpoolFlusher.Report report = new SpoolFlusher(settings).flush();

            assertThat(receiver.requests).hasSize(2);
            assertThat(report.delivered()).isEqualTo(2);
            assertThat(report.kept()).isEqualTo(1);
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains(link.getFileName().toString())
                    .contains("symbolic link"));
            assertThat(secret).hasContent("{\"secret\":\"root's\"}");
            assertThat(Files.isSymbolicLink(link)).as("what is skipped is kept").isTrue();
        }
    }

    @Test
    void aRunDirectoryThatIsALinkIsNotFollowedByFlushOrGc() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path victim = Files.writeString(outside.resolve("00000000" + Spool.SUFFIX), "{\"specversion\":\"1.0\"}");
        Path victimLock = Files.writeString(outside.resolve(".lock"), "keep me");
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            HttpSinkSettings settings = settings(receiver.uri("http"));
            Path receiverDir = Files.createDirectories(Spool.receiverDir(settings.spoolDir(), settings));
            Path link = Files.createSymbolicLink(receiverDir.resolve("1-linked-run"), outside);

            SpoolFlusher.Report report = new SpoolFlusher(settings).flush();
            SpoolLeftovers.Report gc = SpoolLeftovers.collect(settings.spoolDir(), Instant.now().plus(Duration.ofHours(1)));

            assertThat(receiver.requests).isEmpty();
            assertThat(report.delivered()).isZero();
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("1-linked-run").contains("symbolic link"));
            assertThat(victim).exists();
            assertThat(victimLock).hasContent("keep me");
            assertThat(gc.removed()).isEmpty();
            assertThat(Files.isSymbolicLink(link)).isTrue();
        }
    }

    @Test
    void aFifoInTheSpoolNeitherHangsFlushNorGc() throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            HttpSinkSettings settings = settings(receiver.uri("http"));
            Path run = deadRun(settings, "1-fifo", 1);
            Path fifo = run.resolve("00000001" + Spool.SUFFIX);
            mkfifo(fifo);
            Path lockFifo = deadRun(settings, "2-fifo-lock", 1).resolve(".lock");
            Files.delete(lockFifo);
            mkfifo(lockFifo);

            // a hang check, not a speed target
            SpoolFlusher.Report report = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> new SpoolFlusher(settings).flush());
            assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> SpoolLeftovers.collect(settings.spoolDir(), Instant.now().plus(Duration.ofHours(1))));

            assertThat(report.delivered()).isEqualTo(1);
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains(fifo.getFileName().toString())
                    .contains("not a regular file"));
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("2-fifo-lock").contains(".lock"));
            assertThat(fifo).exists();
        }
    }

    @Test
    void aHugeSparseFileIsSkippedFromItsSizeNotRead() throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            HttpSinkSettings settings = settings(receiver.uri("http"));
            Path run = deadRun(settings, "1-huge", 1);
            Path huge = run.resolve("00000001" + Spool.SUFFIX);
            try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
                file.setLength(3L << 30);
            }

            SpoolFlusher.Report report = new SpoolFlusher(settings).flush();

            assertThat(report.delivered()).isEqualTo(1);
            assertThat(report.kept()).isEqualTo(1);
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains(huge.getFileName().toString())
                    .contains("larger than"));
            assertThat(Files.size(huge)).isEqualTo(3L << 30);
        }
    }

    @Test
    void aFileOrRunOfAnotherOwnerIsSkipped() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "needs root to give files to another owner");
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("65534");
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            HttpSinkSettings settings = settings(receiver.uri("http"));
            Path run = deadRun(settings, "1-foreign-file", 2);
            Path foreign = run.resolve("00000001" + Spool.SUFFIX);
            Files.setOwner(foreign, nobody);
            Path foreignRun = deadRun(settings, "2-foreign-run", 1);
            Files.setOwner(foreignRun, nobody);

            SpoolFlusher.Report report = new SpoolFlusher(settings).flush();

            assertThat(report.delivered()).isEqualTo(1);
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains(foreign.getFileName().toString())
                    .contains("owned by uid 65534"));
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("2-foreign-run")
                    .contains("owned by uid 65534"));
            assertThat(foreign).exists();
            assertThat(foreignRun.resolve("00000000" + Spool.SUFFIX)).exists();
        }
    }

    @Test
    void theGraceTimeBoundsReadingAsWellAsSending() throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            HttpSinkSettings settings = settings(receiver.uri("http")).withTimeouts(Duration.ofSeconds(10), Duration.ZERO);
            deadRun(settings, "1-late", 2);

            SpoolFlusher.Report report = new SpoolFlusher(settings).flush();

            assertThat(receiver.requests).as("the deadline had passed before the first read").isEmpty();
            assertThat(report.kept()).isEqualTo(2);
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("grace time"));
        }
    }

    @Test
    void aSinkWritingIntoAPlantedSpoolFollowsNoLink() throws Exception {
        HttpSinkSettings settings = settings(URI.create("http://127.0.0.1:9/events"));
        Path receiverDir = Spool.receiverDir(settings.spoolDir(), settings);
        Files.createDirectories(receiverDir);
        Path elsewhere = dir.resolve("planted-label-target");
        Files.createSymbolicLink(receiverDir.resolve("receiver.txt"), elsewhere);

        Spool spool = Spool.open(settings);
        spool.close();

        assertThat(elsewhere).as("the label link was not followed").doesNotExist();
        Path outside = Files.createDirectories(dir.resolve("outside-receiver"));
        HttpSinkSettings other = settings(URI.create("http://127.0.0.1:10/events"));
        Files.createSymbolicLink(Spool.receiverDir(other.spoolDir(), other), outside);
        assertThatThrownBy(() -> Spool.open(other)).hasMessageContaining("is a symbolic link");
        try (var left = Files.list(outside)) {
            assertThat(left).isEmpty();
        }
    }

    private static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }

    /** Collects events in memory. */
    private record CollectingSink(List<CloudEvent> events) implements dev.cellrunner.events.EventSink {
        @Override
        public void append(CloudEvent event, byte[] json) {
            events.add(event);
        }

        @Override
        public void sync() {
        }

        @Override
        public String describe() {
            return "memory";
        }

        @Override
        public void close() {
        }
    }
}
