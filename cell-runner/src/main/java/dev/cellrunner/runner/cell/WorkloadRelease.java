package dev.cellrunner.runner.cell;

import java.util.function.BooleanSupplier;

/**
 * Orders the two things that decide how a cell stopped from outside is reported: the runner's release
 * of the workload (the go byte to the cell's PID 1) and a cancel (a client gone, the runner told to stop).
 * Both take one lock, so exactly one of them comes first, and the report follows from which did, never
 * from what PID 1 managed to say before it was killed:
 * <ul>
 *   <li>cancel first: the go byte is never written, so the workload never runs; the run kills PID 1
 *       itself and reports {@code not started: REASON};</li>
 *   <li>release first: the workload may have run; the cancel kills the cell and the run reports how it
 *       ended (killed), never "not started", even if PID 1 was killed before it could say the workload
 *       had started.</li>
 * </ul>
 * A cancel before the release kills nothing: PID 1 only waits, and the run stops it at the release, so
 * nothing the run observes of PID 1 before then is disturbed. Pure: the go byte's write is passed in.
 */
final class WorkloadRelease {
    /** Where the release stands. */
    enum Stage {
        /** The go byte is not written yet. */
        HELD,
        /** The go byte was written: the workload may run from now on. */
        RELEASED,
        /** A cancel came first: the go byte is never written. */
        WITHHELD,
        /** The go byte could not be written: PID 1 had ended, so the workload never ran. */
        FAILED
    }

    /** How the run reports a cell whose PID 1 never said the workload started, from where the release stood. */
    enum Report {
        /** Released: the workload may have run; {@code completed} gives how the cell's processes ended. */
        RELEASED,
        /** Stopped from outside before its release: {@code not started: REASON}. */
        STOPPED_BEFORE_RELEASE,
        /** PID 1 ended before it could be released: {@code the cell's PID 1 ended before it started it}. */
        PID1_ENDED_BEFORE_RELEASE
    }

    private Stage stage = Stage.HELD;
    private String reason;

    /**
     * Records why the cell must stop (the first reason given is the one reported) and says whether the
     * caller must kill the cell's processes now: true once the workload was released. Before that, the
     * run itself stops PID 1 at the release.
     */
    synchronized boolean cancel(String why) {
        if (reason == null) {
            reason = why;
        }
        if (stage == Stage.HELD) {
            stage = Stage.WITHHELD;
        }
        return stage == Stage.RELEASED;
    }

    /**
     * Writes the go byte ({@code go}: true when it was written) unless a cancel came first; no cancel can
     * come in between. Returns whether the workload was released.
     */
    synchronized boolean release(BooleanSupplier go) {
        if (stage != Stage.HELD) {
            return false;
        }
        stage = go.getAsBoolean() ? Stage.RELEASED : Stage.FAILED;
        return stage == Stage.RELEASED;
    }

    synchronized Stage stage() {
        return stage;
    }

    /** Why the cell is being stopped from outside, or null. */
    synchronized String stopReason() {
        return reason;
    }

    /** How a cell whose PID 1 never said the workload started is to be reported. */
    synchronized Report report() {
        if (stage == Stage.RELEASED) {
            return Report.RELEASED;
        }
        return reason != null ? Report.STOPPED_BEFORE_RELEASE : Report.PID1_ENDED_BEFORE_RELEASE;
    }
}
