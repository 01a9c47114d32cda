package dev.cellrunner.runner.serve;

import java.util.HashMap;
import java.util.Map;

/**
 * A pool of slots that no one client can drain: at most {@code total} at once, at most {@code perUid}
 * for one uid and at most {@code perProcess} for one process. With a server that is not root, two uids
 * may submit (its own and root) and each can always find a quarter of the slots; one process never gets
 * more than half, so a flood from one client leaves room for the others.
 */
final class FairShares {
    private final String what;
    private final int total;
    private final int perUid;
    private final int perProcess;
    private final Map<Integer, Integer> byUid = new HashMap<>();
    private final Map<Integer, Integer> byProcess = new HashMap<>();
    private int used;

    FairShares(String what, int total, int perUid, int perProcess) {
        this.what = what;
        this.total = total;
        this.perUid = perUid;
        this.perProcess = perProcess;
    }

    /** Caps for a server running as {@code serverUid}: a uid's share is capped only when two uids may submit. */
    static FairShares of(String what, int total, int serverUid) {
        int perUid = serverUid == 0 ? total : Math.max(1, total - total / 4);
        return new FairShares(what, total, perUid, Math.max(1, (total + 1) / 2));
    }

    /** Takes a slot for this client; null when taken, else why not (for a "busy" answer). */
    synchronized String take(int uid, int pid) {
        if (used >= total) {
            return "all " + total + " " + what + " are taken";
        }
        if (byUid.getOrDefault(uid, 0) >= perUid) {
            return "uid " + uid + " holds " + perUid + " of the " + total + " " + what + ", its most at once";
        }
        if (byProcess.getOrDefault(pid, 0) >= perProcess) {
            return "process " + pid + " holds " + perProcess + " of the " + total + " " + what + ", its most at once";
        }
        used++;
        byUid.merge(uid, 1, Integer::sum);
        byProcess.merge(pid, 1, Integer::sum);
        return null;
    }

    synchronized void give(int uid, int pid) {
        used--;
        byUid.computeIfPresent(uid, (k, n) -> n == 1 ? null : n - 1);
        byProcess.computeIfPresent(pid, (k, n) -> n == 1 ? null : n - 1);
    }
}
