package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.observe.RunnerProcesses;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A forwarding user record belongs to the runner that wrote it, not to a later process given its PID. */
class ForwardingUsersTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void theWritersOwnStartTimeKeepsTheRecord() {
        long started = RunnerProcesses.startTicks(SELF).orElseThrow();
        assertThat(Forwarding.isLive(SELF, "[IPV4] started " + started)).isTrue();
    }

    @Test
    void anotherStartTimeMeansTheWriterIsGoneAndItsPidReused() {
        long started = RunnerProcesses.startTicks(SELF).orElseThrow();
        assertThat(Forwarding.isLive(SELF, "[IPV4] started " + (started - 1))).isFalse();
    }

    @Test
    void recordsWithoutAStartTimeFallBackToThePid() {
        assertThat(Forwarding.isLive(SELF, "[IPV4]")).isTrue();
        assertThat(Forwarding.isLive(SELF, "[IPV4] started -1")).isTrue();
        assertThat(Forwarding.isLive(SELF, "[IPV4] started x")).isTrue();
    }

    @Test
    void aGonePidIsNotLiveWhateverItsRecordSays() {
        long gone = Integer.MAX_VALUE; // above any pid_max
        assertThat(Forwarding.isLive(gone, "[IPV4]")).isFalse();
        assertThat(Forwarding.isLive(gone, "[IPV4] started 5")).isFalse();
    }
}
