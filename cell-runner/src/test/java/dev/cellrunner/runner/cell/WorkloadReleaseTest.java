package dev.cellrunner.runner.cell;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cancel against the workload's release, in both orders and racing: whether the go byte was written
 * alone decides "not started" (it never was) or "killed" (it was), and the go byte is never written after
 * a cancel.
 */
class WorkloadReleaseTest {
    private static final String GONE = "the client disconnected";

    @Test
    void aCancelBeforeTheReleaseWithholdsTheGoAndReportsNotStarted() {
        WorkloadRelease release = new WorkloadRelease();
        AtomicInteger goes = new AtomicInteger();

        assertThat(release.cancel(GONE)).as("nothing to kill yet: PID 1 only waits").isFalse();
        assertThat(release.release(() -> goes.incrementAndGet() == 1)).isFalse();

        assertThat(goes).as("go bytes written").hasValue(0);
        assertThat(release.stage()).isEqualTo(WorkloadRelease.Stage.WITHHELD);
        assertThat(release.report()).isEqualTo(WorkloadRelease.Report.STOPPED_BEFORE_RELEASE);
        assertThat(release.stopReason()).isEqualTo(GONE);
    }

    @Test
    void aCancelAfterTheReleaseKillsAndIsReportedKilledNeverNotStarted() {
        WorkloadRelease release = new WorkloadRelease();

        assertThat(release.release(() -> true)).isTrue();
        assertThat(release.cancel(GONE)).as("the workload may run: the caller kills the cell").isTrue();

        assertThat(release.stage()).isEqualTo(WorkloadRelease.Stage.RELEASED);
        assertThat(release.report()).isEqualTo(WorkloadRelease.Report.RELEASED);
        assertThat(release.stopReason()).isEqualTo(GONE);
    }

    @Test
    void aCancelWhileTheGoIsBeingWrittenWaitsForItAndThenKills() throws Exception {
        WorkloadRelease release = new WorkloadRelease();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        Thread runner = new Thread(() -> release.release(() -> {
            writing.countDown();
            await(written);
            return true;
        }));
        runner.start();
        writing.await();
        AtomicBoolean mustKill = new AtomicBoolean();
        Thread canceller = new Thread(() -> mustKill.set(release.cancel(GONE)));
        canceller.start();
        while (canceller.getState() != Thread.State.BLOCKED) {
            assertThat(canceller.isAlive()).as("the cancel went through while the go was being written").isTrue();
            Thread.onSpinWait();
        }

        written.countDown();
        runner.join();
        canceller.join();

        assertThat(mustKill).as("the cancel came after the release").isTrue();
        assertThat(release.report()).isEqualTo(WorkloadRelease.Report.RELEASED);
    }

    @Test
    void aGoThatCannotBeWrittenMeansPid1HadEndedAndALaterCancelKillsNothing() {
        WorkloadRelease release = new WorkloadRelease();

        assertThat(release.release(() -> false)).isFalse();
        assertThat(release.stage()).isEqualTo(WorkloadRelease.Stage.FAILED);
        assertThat(release.report()).isEqualTo(WorkloadRelease.Report.PID1_ENDED_BEFORE_RELEASE);

        assertThat(release.cancel(GONE)).isFalse();
        assertThat(release.report()).as("the workload never ran: not started, and why")
                .isEqualTo(WorkloadRelease.Report.STOPPED_BEFORE_RELEASE);
    }

    @Test
    void theFirstReasonIsTheOneReported() {
        WorkloadRelease release = new WorkloadRelease();
        release.release(() -> true);

        assertThat(release.cancel(GONE)).isTrue();
        assertThat(release.cancel("the runner was told to stop")).isTrue();

        assertThat(release.stopReason()).isEqualTo(GONE);
    }

    /**
     * Real interleavings (which order wins is up to the scheduler): whichever wins, the go byte was written
     * exactly when the cancel had to kill and the report is "killed".
     */
    @Test
    void racingCancelAndReleaseAlwaysAgreeOnWhatHappened() throws Exception {
        for (int round = 0; round < 1_000; round++) {
            WorkloadRelease release = new WorkloadRelease();
            AtomicInteger goes = new AtomicInteger();
            AtomicBoolean released = new AtomicBoolean();
            AtomicBoolean mustKill = new AtomicBoolean();
            CyclicBarrier start = new CyclicBarrier(2);
            Thread runner = new Thread(() -> {
                await(start);
                released.set(release.release(() -> goes.incrementAndGet() > 0));
            });
            Thread canceller = new Thread(() -> {
                await(start);
                mustKill.set(release.cancel(GONE));
            });
            runner.start();
            canceller.start();
            runner.join();
            canceller.join();

            boolean goWritten = goes.get() == 1;
            assertThat(goes.get()).as("round %d: go bytes", round).isLessThanOrEqualTo(1);
            assertThat(released.get()).as("round %d", round).isEqualTo(goWritten);
            assertThat(mustKill.get()).as("round %d: the cancel kills exactly a released cell", round).isEqualTo(goWritten);
            assertThat(release.report()).as("round %d", round)
                    .isEqualTo(goWritten ? WorkloadRelease.Report.RELEASED : WorkloadRelease.Report.STOPPED_BEFORE_RELEASE);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
