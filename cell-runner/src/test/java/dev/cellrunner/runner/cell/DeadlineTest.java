package dev.cellrunner.runner.cell;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineTest {
    private static final long MS = 1_000_000;

    @Test
    void theLifetimeCountsFromTheCellsStartNotFromEachWait() {
        Deadline lifetime = Deadline.after(1_000 * MS, Duration.ofSeconds(2));
        assertThat(lifetime.remainingNanos(1_000 * MS)).isEqualTo(2_000 * MS);
        assertThat(lifetime.remainingNanos(2_500 * MS)).as("a later wait gets what is left").isEqualTo(500 * MS);
        assertThat(lifetime.passed(2_999 * MS)).isFalse();
        assertThat(lifetime.passed(3_000 * MS)).isTrue();
        assertThat(lifetime.remainingNanos(9_000 * MS)).as("never negative once passed").isZero();
    }

    @Test
    void aPollTimeoutIsRoundedUpSoTheWaitNeverEndsBeforeTheDeadline() {
        Deadline lifetime = Deadline.after(0, Duration.ofMillis(10));
        assertThat(lifetime.pollMillis(9 * MS + 1)).isEqualTo(1);
        assertThat(lifetime.pollMillis(0)).isEqualTo(10);
        assertThat(lifetime.pollMillis(10 * MS)).as("passed: poll only looks").isZero();
    }

    @Test
    void theMonotonicClockMayBeNegativeOrWrapAndDifferencesStillHold() {
        Deadline near = Deadline.after(Long.MAX_VALUE - 5 * MS, Duration.ofMillis(10));
        assertThat(near.remainingNanos(Long.MAX_VALUE - 5 * MS)).isEqualTo(10 * MS);
        assertThat(near.passed(Long.MAX_VALUE - 5 * MS + 10 * MS)).isTrue();
        Deadline negative = Deadline.after(-20 * MS, Duration.ofMillis(10));
        assertThat(negative.remainingNanos(-15 * MS)).isEqualTo(5 * MS);
    }

    @Test
    void aHugeLifetimeGivesTheLongestPollNotANegativeOne() {
        Deadline lifetime = Deadline.after(0, Duration.ofDays(365));
        assertThat(lifetime.pollMillis(0)).isEqualTo(Integer.MAX_VALUE);
    }
}
