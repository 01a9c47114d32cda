package dev.cellrunner.runner.cell;

import com.sun.jna.Memory;
import dev.cellrunner.runner.os.ExitStatus;
import dev.cellrunner.runner.os.LibC;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runner's read of its PID 1's status pipe, on real pipes: a PID 1 that says nothing is waited for until the deadline only. */
class Pid1Test {

    @Test
    void aStatusPipeThatStaysSilentEndsTheWaitAtTheDeadline() throws Exception {
        try (Pid1 pid1 = Pid1.open()) { // the write end stays open: a PID 1 held before its report
            long start = System.nanoTime();
            assertThatThrownBy(() -> pid1.next(Deadline.after(start, Duration.ofMillis(300))))
                    .isInstanceOf(LifetimeExpired.class);
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(waitedMs).as("waited until the deadline, not past it by much").isBetween(300L, 5_000L);
        }
    }

    @Test
    void anEndingReadFromASilentPipeIsHowPid1WasReapedOnceTheDeadlinePassed() throws Exception {
        try (Pid1 pid1 = Pid1.open()) {
            ExitStatus killed = ExitStatus.killed(9, false);
            Pid1.Ending ending = pid1.ending(killed, Deadline.after(System.nanoTime(), Duration.ofMillis(100)));
            assertThat(ending).isEqualTo(new Pid1.Ending(killed, false));
        }
    }

    @Test
    void aPipeWhoseWriterIsGoneIsItsEndNotAWaitEvenWithADeadlinePassed() throws Exception {
        try (Pid1 pid1 = Pid1.open()) {
            pid1.spawned(); // the child's ends closed, as after a PID 1 that exited without a word
            assertThat(pid1.next(Deadline.after(System.nanoTime(), Duration.ZERO))).isNull();
        }
    }

    @Test
    void messagesAreReadOneLineAtATimeHoweverTheyArrive() throws Exception {
        try (Pid1 pid1 = Pid1.open()) {
            int statusWrite = pid1.request("/bin/true", List.of("true"), Map.of(), Path.of("/"), Optional.empty()).passedFds().get(0);
            Deadline deadline = Deadline.after(System.nanoTime(), Duration.ofSeconds(10));
            write(statusWrite, "started 2\nexi"); // one read brings a whole message and the start of the next
            assertThat(pid1.next(deadline)).isEqualTo(new InitMessage.Started(2));
            write(statusWrite, "ted 256 1\n");
            pid1.spawned(); // the writer gone: the last message is still read whole, then the end
            assertThat(pid1.next(deadline)).isEqualTo(new InitMessage.Exited(ExitStatus.exited(1), true));
            assertThat(pid1.next(deadline)).isNull();
        }
    }

    @Test
    void aPid1ThatMakesTheLandlockDomainIsToldHowAndGetsTheRulesetAsDescriptor5() throws Exception {
        try (Pid1 pid1 = Pid1.open()) {
            var request = pid1.request("/bin/true", List.of("true", "x"), Map.of(), Path.of("/"),
                    Optional.of(new Pid1.DomainByPid1(42, "cr-ll-7", 7, Optional.of(Path.of("/")))));
            assertThat(request.argv()).containsExactly("cell-init", "-l", "cr-ll-7", "7", "/", "/bin/true", "true", "x");
            assertThat(request.passedFds()).hasSize(3).endsWith(42);
            var unprobed = pid1.request("/bin/true", List.of("true"), Map.of(), Path.of("/"),
                    Optional.of(new Pid1.DomainByPid1(42, "cr-ll-7", 0, Optional.empty())));
            assertThat(unprobed.argv()).containsSubsequence("-l", "cr-ll-7", "0", "-", "/bin/true");
        }
    }

    private static void write(int fd, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        try (Memory buffer = new Memory(bytes.length)) {
            buffer.write(0, bytes, 0, bytes.length);
            assertThat(LibC.INSTANCE.write(fd, buffer, bytes.length)).isEqualTo(bytes.length);
        }
    }
}
