package dev.cellrunner.runner.os;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runner's state directory on the real kernel: 0700, records never through links, locks with a timeout. */
class StateDirTest {
    @TempDir
    Path dir;

    @Test
    void theDirectoryIsMadePrivateAndRecordsAreNeverWrittenThroughALink() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path target = Files.writeString(dir.resolve("elsewhere"), "untouched");
        Files.createSymbolicLink(state.resolve("planted"), target);
        try (StateDir open = StateDir.open(state); StateDir users = open.directory("users")) {
            assertThat(Files.getPosixFilePermissions(state)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getPosixFilePermissions(state.resolve("users"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThatThrownBy(() -> open.write("planted", "x")).isInstanceOf(IOException.class).hasMessageContaining("planted");
            assertThat(target).hasContent("untouched");
            users.write("cr1-1", "[IPV4]");
            assertThat(users.names()).containsExactly("cr1-1");
            assertThat(users.exists("cr1-1")).isTrue();
            assertThat(open.exists("planted")).as("a link is an entry, never followed").isTrue();
            assertThat(Files.getPosixFilePermissions(state.resolve("users/cr1-1"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            users.delete("cr1-1");
            assertThat(users.exists("cr1-1")).isFalse();
        }
    }

    @Test
    void aDirectoryThatIsALinkIsRefused() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        assertThatThrownBy(() -> StateDir.open(link)).isInstanceOf(IOException.class).hasMessageContaining("link");
    }

    @Test
    void aLockHeldElsewhereIsWaitedForThenReportedClearly() throws Exception {
        try (StateDir state = StateDir.open(dir.resolve("state")); StateDir other = StateDir.open(dir.resolve("state"));
             StateDir.Lock held = state.lock("lock", Duration.ofSeconds(1))) {
            assertThat(other.tryLock("lock")).as("a second description of the same file, even in this process").isNull();
            long start = System.nanoTime();
            assertThatThrownBy(() -> other.lock("lock", Duration.ofMillis(200))).isInstanceOf(IOException.class)
                    .hasMessageContaining("timed out after 200 ms").hasMessageContaining(dir.resolve("state/lock").toString());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
            held.close();
            try (StateDir.Lock again = other.lock("lock", Duration.ofSeconds(1))) {
                assertThat(again).isNotNull();
            }
        }
    }
}
