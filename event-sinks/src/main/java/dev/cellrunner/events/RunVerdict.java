package dev.cellrunner.events;

/**
 * The outcome for one run of a trail. {@code detail} names the first bad event and why, or for an ok run
 * how many events and which key; {@code keyFromTrail}: the run was checked against the key its own
 * {@code started} event published (intact, origin not proven); {@code unsigned}: its lines carry extension
 * attributes that no signature covers (null when none). New statuses may be added; a consumer that meets
 * one it does not know must treat it as not OK.
 */
public record RunVerdict(String runId, String cellId, Status status, int events, String detail, boolean keyFromTrail,
                         String unsigned) {
    public enum Status { OK, INCOMPLETE, BAD }

    public String line() {
        String head = "run " + runId + (cellId == null ? "" : " (cell " + cellId + ")") + ": ";
        String tail = unsigned == null ? "" : "; UNSIGNED: " + unsigned;
        return switch (status) {
            case OK -> head + "ok, " + detail + tail;
            case INCOMPLETE -> head + "INCOMPLETE: " + detail + tail;
            case BAD -> head + "BAD: " + detail + tail;
        };
    }
}
