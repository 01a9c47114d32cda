package dev.cellrunner.runner.records;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the cell asked its DNS responder for one name and type, and what it got, over the whole run.
 *
 * @param name     the name asked (lowercase, no trailing dot; escaped as {@code \.} where a label held a dot)
 * @param type     "A", "AAAA", or the type's number for others
 * @param verdict  {@link Verdict}
 * @param reason   why: "declared", "undeclared", "type answered empty", "upstream failed: ...",
 *                 "every address refused", ...
 * @param rules    the egress rules that matched the name ("egressRules[2]"), empty when none did
 * @param rcode    the response code returned: NOERROR, NXDOMAIN, SERVFAIL, ...
 * @param answers  the addresses answered (each with the TTL of its latest answer), at most {@link #MAX_ANSWERS}
 * @param cnames   the CNAME chain of the latest answer, in order
 * @param refused  addresses an answer held that the cell was not given, with the reason
 */
public record DnsQueryRecord(String name, String type, Verdict verdict, String reason, List<String> rules, String rcode,
                             List<Answer> answers, List<String> cnames, List<Refused> refused, long count,
                             Instant first, Instant last) {
    public static final int MAX_ANSWERS = 32;

    public DnsQueryRecord {
        rules = List.copyOf(rules);
        answers = List.copyOf(answers.subList(0, Math.min(answers.size(), MAX_ANSWERS)));
        cnames = List.copyOf(cnames);
        refused = List.copyOf(refused);
    }

    public enum Verdict {
        ALLOWED, DENIED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An address answered, the TTL given to the cell, and how long the way to it stays open. */
    public record Answer(String address, long ttl, long openSeconds) {
    }

    /** An address withheld from the cell, and why. */
    public record Refused(String address, String reason) {
    }

    /** The key that groups queries into one record. */
    public record Key(String name, String type, Verdict verdict, String reason) {
    }

    /** This record after one more identical query: counted, the latest answer's addresses merged in. */
    public DnsQueryRecord again(DnsQueryRecord latest) {
        List<Answer> merged = new ArrayList<>(latest.answers);
        for (Answer old : answers) {
            if (merged.size() < MAX_ANSWERS && merged.stream().noneMatch(a -> a.address().equals(old.address()))) {
                merged.add(old);
            }
        }
        List<Refused> refusedMerged = new ArrayList<>(latest.refused);
        for (Refused old : refused) {
            if (refusedMerged.size() < MAX_ANSWERS && !refusedMerged.contains(old)) {
                refusedMerged.add(old);
            }
        }
        return new DnsQueryRecord(name, type, verdict, reason, rules, latest.rcode, merged, latest.cnames, refusedMerged,
                count + latest.count, first, latest.last);
    }
}
