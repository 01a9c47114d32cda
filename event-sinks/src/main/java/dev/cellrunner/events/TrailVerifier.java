package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies trails run by run: every event's signature (by a trusted key, or else by the key the run's
 * {@code started} event published), then the chain in file order (gap, reorder, duplicate, broken link),
 * then completeness (a run ends with {@code destroyed}). A partial last line, as a runner killed mid-write
 * leaves, makes its run incomplete, never bad. Feed lines with {@link #read}, then call {@link #verdicts}.
 */
public final class TrailVerifier {
    private static final Pattern RUN_ID = Pattern.compile("\"runid\"\\s*:\\s*\"([^\"]{1,200})\"");
    private static final byte[] EVENT_START = "{\"specversion\"".getBytes(StandardCharsets.UTF_8);

    private final List<Ed25519Key.PublicKey> trustedKeys;
    private final Map<String, RunEvents> runs = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /** With no trusted keys, each run is checked against the key its own started event publishes. */
    public TrailVerifier(List<Ed25519Key.PublicKey> trustedKeys) {
        this.trustedKeys = List.copyOf(trustedKeys);
    }

    private static final class RunEvents {
        final List<TrailEvent> events = new ArrayList<>();
        String tornAt;
    }

    public void read(String name, InputStream in) throws IOException {
        TrailLines.read(in, line -> accept(name, line));
    }

    /** Lines that are no event of any run; each makes the verification fail. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Harmless findings, such as a partial last line that names no run. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    public List<RunVerdict> verdicts() {
        List<RunVerdict> verdicts = new ArrayList<>();
        runs.forEach((runId, run) -> verdicts.add(verdict(runId, run)));
        return verdicts;
    }

    private void accept(String file, TrailLines.Line line) {
        String where = file + ":" + line.number();
        if (line.overlong()) {
            problems.add(where + ": line longer than " + TrailLines.MAX_LINE + " bytes, not an event");
            return;
        }
        if (line.bytes().length == 0) {
            return;
        }
        try {
            add(TrailEvent.parse(line.bytes(), where));
            return;
        } catch (IOException | RuntimeException e) {
            if (recoverGluedLine(line.bytes(), where)) {
                return;
            }
            torn(line.bytes(), where, !line.terminated(), e.getMessage());
        }
    }

    /** A torn fragment followed by another runner's whole line on the same line: keep the whole event. */
    private boolean recoverGluedLine(byte[] bytes, String where) {
        for (int at = indexOf(bytes, EVENT_START, 1); at > 0; at = indexOf(bytes, EVENT_START, at + 1)) {
            byte[] rest = java.util.Arrays.copyOfRange(bytes, at, bytes.length);
            try {
                TrailEvent event = TrailEvent.parse(rest, where + " (after a partial line)");
                torn(java.util.Arrays.copyOf(bytes, at), where, true, "partial line");
                add(event);
                return true;
            } catch (IOException | RuntimeException ignored) {
                // not an event start after all; keep looking
            }
        }
        return false;
    }

    private void torn(byte[] fragment, String where, boolean partial, String reason) {
        Matcher runId = RUN_ID.matcher(new String(fragment, StandardCharsets.UTF_8));
        if (partial && runId.find()) {
            runs.computeIfAbsent(runId.group(1), id -> new RunEvents()).tornAt = where;
        } else if (partial) {
            notes.add(where + ": partial line of " + fragment.length + " bytes naming no run (a writer stopped mid-line): ignored");
        } else {
            problems.add(where + ": not a CloudEvent: " + reason);
        }
    }

    private void add(TrailEvent event) {
        String runId = event.extension(ExtensionNames.RUN_ID);
        if (runId == null) {
            problems.add(event.where() + ": event " + event.content().id() + " has no runid extension");
            return;
        }
        runs.computeIfAbsent(runId, id -> new RunEvents()).events.add(event);
    }

    private RunVerdict verdict(String runId, RunEvents run) {
        List<TrailEvent> events = run.events;
        String cellId = events.isEmpty() ? null : events.get(0).extension(ExtensionNames.CELL_ID);
        if (events.isEmpty()) {
            return new RunVerdict(runId, null, RunVerdict.Status.INCOMPLETE, 0,
                    "only a partial line at " + run.tornAt + " (the writer stopped mid-event)", false);
        }
        boolean keyFromTrail = trustedKeys.isEmpty();
        List<Ed25519Key.PublicKey> trusted = keyFromTrail ? publishedKey(events) : trustedKeys;
        Map<Integer, String> seenSeq = new HashMap<>();
        int expected = 0;
        String previousHash = ChainSigner.NO_PREVIOUS;
        TrailEvent last = null;
        Ed25519Key.PublicKey signer = null;
        for (int i = 0; i < events.size(); i++) {
            TrailEvent event = events.get(i);
            String at = "seq " + event.extension(ExtensionNames.CHAIN_SEQ) + " (event " + event.content().id()
                    + " at " + event.where() + ")";
            EventCheck.Verified v;
            try {
                v = EventCheck.verify(event, trusted);
                requireConsistent(event, runId, cellId);
            } catch (EventCheck.Failure f) {
                String reason = f.getMessage().startsWith("unknown key") && keyFromTrail
                        ? f.getMessage() + " (no --key given, and the run's started event publishes no matching key)"
                        : f.getMessage();
                return bad(runId, cellId, i, at + ": " + reason);
            }
            if (seenSeq.containsKey(v.seq())) {
                return bad(runId, cellId, i, at + ": duplicate of the event already seen at " + seenSeq.get(v.seq()));
            }
            if (last != null && EventTypes.DESTROYED.equals(last.content().type())) {
                return bad(runId, cellId, i, at + ": event after destroyed");
            }
            if (v.seq() != expected) {
                return bad(runId, cellId, i, at + ": " + (appearsLater(events, i, expected)
                        ? "reorder: it comes before seq " + expected
                        : "gap: seq " + expected + (v.seq() - 1 > expected ? ".." + (v.seq() - 1) : "") + " missing"));
            }
            if (!previousHash.equals(v.chainPrev())) {
                return bad(runId, cellId, i, at + ": broken chain: chainprev does not name seq " + (expected - 1));
            }
            seenSeq.put(v.seq(), event.where());
            previousHash = v.payloadHash();
            expected++;
            last = event;
            signer = v.key();
        }
        String keyNote = "key " + signer.keyId().substring(0, 16) + (keyFromTrail
                ? " published by the run itself (integrity only; pass --key to check origin)" : "");
        if (!EventTypes.DESTROYED.equals(last.content().type())) {
            return new RunVerdict(runId, cellId, RunVerdict.Status.INCOMPLETE, events.size(),
                    "no destroyed event; the last is seq " + (expected - 1) + " at " + last.where()
                            + (run.tornAt != null ? ", then a partial line at " + run.tornAt + " (the writer stopped mid-event)" : "")
                            + "; " + events.size() + " events verified, " + keyNote, keyFromTrail);
        }
        if (run.tornAt != null) {
            return bad(runId, cellId, events.size(), "partial line at " + run.tornAt + " in a run that completed");
        }
        return new RunVerdict(runId, cellId, RunVerdict.Status.OK, events.size(),
                events.size() + " events, chain intact, " + keyNote, keyFromTrail);
    }

    private static RunVerdict bad(String runId, String cellId, int events, String detail) {
        return new RunVerdict(runId, cellId, RunVerdict.Status.BAD, events, detail, false);
    }

    private static void requireConsistent(TrailEvent event, String runId, String cellId) throws EventCheck.Failure {
        JsonNode data = event.data();
        if (!java.util.Objects.equals(cellId, event.extension(ExtensionNames.CELL_ID))) {
            throw new EventCheck.Failure("cellid differs from the run's first event");
        }
        if (data != null && data.isObject()
                && (!runId.equals(data.path("runId").asText(null)) || !cellId.equals(data.path("cellId").asText(null)))) {
            throw new EventCheck.Failure("data.runId/data.cellId do not match the runid/cellid extensions");
        }
    }

    /** The key the run's started event (seq 0) publishes; whoever wrote the trail chose it. */
    private static List<Ed25519Key.PublicKey> publishedKey(List<TrailEvent> events) {
        for (TrailEvent event : events) {
            if (EventTypes.STARTED.equals(event.content().type()) && "0".equals(event.extension(ExtensionNames.CHAIN_SEQ))
                    && event.data() != null && event.data().path("signingPublicKey").isTextual()) {
                try {
                    return List.of(Ed25519Key.PublicKey.fromBase64(event.data().path("signingPublicKey").textValue()));
                } catch (IllegalArgumentException e) {
                    return List.of();
                }
            }
        }
        return List.of();
    }

    private static boolean appearsLater(List<TrailEvent> events, int from, int seq) {
        String wanted = Integer.toString(seq);
        for (int i = from + 1; i < events.size(); i++) {
            if (wanted.equals(events.get(i).extension(ExtensionNames.CHAIN_SEQ))) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(from, 0); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
