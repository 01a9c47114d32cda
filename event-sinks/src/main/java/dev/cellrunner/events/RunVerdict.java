package dev.cellrunner.events;

/**
 * The outcome for one run of a trail. {@code detail} names the first bad event and why, or for an ok run
 * how many events and which key; {@code keyFromTrail}: the run was checked against the key its own
 * {@code started} event published (integrity, not origin). New statuses may be added; a consumer that
 * meets one it does not know must treat it as not OK.
 */
public record RunVerdict(String runId, String cellId, Status status, int events, String detail, boolean keyFromTrail) {
    public enum Status { OK, INCOMPLETE, BAD }

    public String line() {
        String head = "run " + runId + (cellId == null ? "" : " (cell " + cellId + ")") + ": ";
        return switch (status) {
            case OK -> head + "ok, " + detail;
            case INCOMPLETE -> head + "INCOMPLETE: " + detail;
            case BAD -> head + "BAD: " + detail;
        };
    }
}
