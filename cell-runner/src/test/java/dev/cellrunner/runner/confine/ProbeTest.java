package dev.cellrunner.runner.confine;

import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.QuietLibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.cellrunner.runner.os.QuietLibC.orMinusErrno;
import static org.assertj.core.api.Assertions.assertThat;

/** A probe observes the kernel's own answer: the errno a refused call left, or success. */
class ProbeTest {
    @TempDir
    Path dir;

    @Test
    void aRefusedCallIsObservedByItsErrnoAndHoldsOnlyWhenExpected() {
        String missing = dir.resolve("missing").toString();
        Probe refused = Probe.expect("test", "open(missing)", Linux.ENOENT,
                () -> orMinusErrno(QuietLibC.INSTANCE.open(missing, Linux.O_RDONLY | Linux.O_CLOEXEC)));
        assertThat(refused.observed()).isEqualTo("ENOENT");
        assertThat(refused.holds()).isTrue();

        Probe wrongErrno = Probe.expect("test", "open(missing)", Linux.EACCES,
                () -> orMinusErrno(QuietLibC.INSTANCE.open(missing, Linux.O_RDONLY | Linux.O_CLOEXEC)));
        assertThat(wrongErrno.holds()).isFalse();
        assertThat(Probe.expectOneOf("test", "open(missing)", List.of(Linux.EACCES, Linux.ENOENT),
                () -> orMinusErrno(QuietLibC.INSTANCE.open(missing, Linux.O_RDONLY | Linux.O_CLOEXEC))).holds()).isTrue();
    }

    @Test
    void aCallThatSucceedsIsObservedAsSuccessAndDoesNotHold() throws Exception {
        Path present = Files.writeString(dir.resolve("present"), "x");
        Probe allowed = Probe.expect("test", "open(present)", Linux.EACCES, () -> {
            long fd = orMinusErrno(QuietLibC.INSTANCE.open(present.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC));
            if (fd >= 0) {
                LibC.INSTANCE.close((int) fd);
            }
            return fd;
        });
        assertThat(allowed.observed()).isEqualTo("success");
        assertThat(allowed.holds()).isFalse();
    }

    @Test
    void aReadOfAPrivateFileSaysWhetherItGotContent() throws Exception {
        assertThat(Probe.readsNothing("test", "f", () -> 0).observed()).isEqualTo("empty");
        assertThat(Probe.readsNothing("test", "f", () -> 1).holds()).isFalse();
        assertThat(Probe.readsNothing("test", "f", () -> -Linux.EACCES).observed()).isEqualTo("EACCES");
    }
}
