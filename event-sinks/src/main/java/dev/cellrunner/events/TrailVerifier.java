package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies trails as a stream of lines, run by run: every event's content against its signed payload
 * (core and extension digests), the chain in arrival order (gap, reorder, duplicate, broken link), the
 * signature of the run's last event (by a trusted key, or else by the key the run's {@code started} event
 * published) or with {@link Options#everySignature} every event's own, then completeness (a run ends with
 * {@code destroyed}). The last event's signature covers every event before it, since each payload names the
 * one before through {@code chainprev} (CONTRACT.md §3, "What one signature per run proves"). A partial line,
 * as a runner killed mid-write leaves, makes its run incomplete, never bad. Beside the runs, each file's run
 * chain ({@link RunChainCheck}): a run deleted, inserted or reordered, or a file cut at a run boundary.
 *
 * <p>Memory stays flat whatever the trail's size: only the state of runs still open is kept (a
 * {@link RunState}, never their events), a run's verdict goes out as soon as it ends, and problems and
 * notes are capped with a count. Time is linear in the input. Feed it with {@link #read} (a byte stream)
 * or {@link #accept} (one line or message at a time, from any source), then call {@link #finish}.
 */
public final class TrailVerifier {
    /** Runs open at once; past it the least recently active is reported incomplete and left. */
    public static final int MAX_OPEN_RUNS = 100_000;
    /** Ended runs remembered, so a late event of one is reported as such. */
    static final int REMEMBERED_RUNS = 100_000;
    /** Problems and notes kept word for word; the rest are counted. */
    public static final int MAX_FINDINGS = 100;
    private static final int MAX_REASON = 300;
    private static final Pattern RUN_ID = Pattern.compile("\"runid\"\\s*:\\s*\"([^\"]{1,200})\"");

    /**
     * What a whole verification found, for an exit status: counts, never the verdicts themselves.
     * {@code unsignedAttributes}: runs with a line carrying an extension attribute no signature covers.
     */
    public record Summary(long ok, long incomplete, long bad, long problems, long notes, long unsignedAttributes) {
        public boolean anythingBad() {
            return bad > 0 || problems > 0;
        }
    }

    /**
     * {@code everySignature}: check each event's own signature, not only the last of each run (slower; names
     * the first event whose signature is bad). {@code runChain}: check each file's run chain (off for copies
     * of a trail that another file's links were made for).
     */
    public record Options(boolean everySignature, boolean runChain) {
        public static final Options DEFAULTS = new Options(false, true);
    }

    private final List<Ed25519Key.PublicKey> trustedKeys;
    private final Options options;
    private final RunChainCheck runChain = new RunChainCheck();
    private final Consumer<RunVerdict> out;
    private final List<Map.Entry<Long, RunVerdict>> collected;
    private final LinkedHashMap<String, RunState> open = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, Boolean> ended = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_RUNS;
        }
    };
    private final Findings problems = new Findings();
    private final Findings notes = new Findings();
    private long ordinal;
    private long ok;
    private long incomplete;
    private long bad;
    private long unsignedRuns;
    private boolean finished;

    /** Collects verdicts for {@link #verdicts()}: for small trails and tests. */
    public TrailVerifier(List<Ed25519Key.PublicKey> trustedKeys) {
        this(trustedKeys, Options.DEFAULTS);
    }

    /** Collects verdicts for {@link #verdicts()}, with {@code options}. */
    public TrailVerifier(List<Ed25519Key.PublicKey> trustedKeys, Options options) {
        this.trustedKeys = List.copyOf(trustedKeys);
        this.options = Objects.requireNonNull(options);
        this.collected = new ArrayList<>();
        this.out = null;
    }

    /** Hands each run's verdict to {@code out} as soon as the run ends (and the rest at {@link #finish}). */
    public TrailVerifier(List<Ed25519Key.PublicKey> trustedKeys, Consumer<RunVerdict> out) {
        this(trustedKeys, Options.DEFAULTS, out);
    }

    /** Streams verdicts to {@code out}, with {@code options}. */
    public TrailVerifier(List<Ed25519Key.PublicKey> trustedKeys, Options options, Consumer<RunVerdict> out) {
        this.trustedKeys = List.copyOf(trustedKeys);
        this.options = Objects.requireNonNull(options);
        this.collected = null;
        this.out = Objects.requireNonNull(out);
    }

    /** Reads one byte stream of JSONL (a file, standard input); {@code name} is how its lines are cited. */
    public void read(String name, InputStream in) throws IOException {
        TrailLines.read(in, line -> accept(name, line, true));
    }

    /**
     * Reads the lines of a stream or topic of a broker: runs are checked as from a file, the run chain is not
     * (it belongs to the JSONL file the runner appended to, and a stream interleaves many runners' events).
     */
    public void readMessages(String name, InputStream in) throws IOException {
        TrailLines.read(in, line -> accept(name, line, false));
    }

    /** One line of the file called {@code source}, given in file order. */
    public void accept(String source, TrailLines.Line line) {
        accept(source, line, true);
    }

    private void accept(String source, TrailLines.Line line, boolean fileOrder) {
        String where = source + ":" + line.number();
        if (line.overlong()) {
            problems.add(where + ": line longer than " + TrailLines.MAX_LINE + " bytes, not an event");
            return;
        }
        if (line.bytes().length == 0) {
            return;
        }
        TrailEvent event;
        try {
            event = TrailEvent.scan(line.bytes(), where);
        } catch (IOException | RuntimeException e) {
            if (!recoverGluedLine(line.bytes(), source, where, fileOrder)) {
                torn(line.bytes(), where, !line.terminated(), e.getMessage());
            }
            return;
        }
        add(event, source, fileOrder);
    }

    /** Ends the input: runs still open get their verdicts (incomplete, or bad when out of order). */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        List<RunState> left = new ArrayList<>(open.values());
        open.clear();
        left.sort(Comparator.comparingLong(s -> s.ordinal));
        left.forEach(this::endUnfinished);
    }

    /** Every verdict, in the order runs first appeared (finishes the input); empty for a streaming verifier. */
    public List<RunVerdict> verdicts() {
        finish();
        if (collected == null) {
            return List.of();
        }
        return collected.stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList();
    }

    /** Lines that are no event of any run (at most {@link #MAX_FINDINGS}; {@link #summary} counts all). */
    public List<String> problems() {
        return problems.kept();
    }

    /** Harmless findings, such as a partial last line that names no run. */
    public List<String> notes() {
        return notes.kept();
    }

    public Summary summary() {
        return new Summary(ok, incomplete, bad, problems.count, notes.count, unsignedRuns);
    }

    private void add(TrailEvent event, String source, boolean fileOrder) {
        Dsse.Envelope envelope = null;
        EventCheck.Failure envelopeFailure = null;
        try {
            envelope = EventCheck.envelope(event);
        } catch (EventCheck.Failure f) {
            envelopeFailure = f;
        }
        EventCheck.Content content = null;
        EventCheck.Failure contentFailure = envelopeFailure;
        if (envelope != null) {
            try {
                content = EventCheck.content(event, envelope);
            } catch (EventCheck.Failure f) {
                contentFailure = f;
            }
        }
        if (fileOrder && options.runChain() && envelope != null) {
            linkRuns(source, event, envelope, content);
        }
        String runId = event.extension(ExtensionNames.RUN_ID);
        if (runId == null) {
            problems.add(event.where() + ": event " + event.content().id() + " has no runid extension");
            return;
        }
        RunState run = open.get(runId);
        if (run == null) {
            Boolean endedOk = ended.get(runId);
            if (endedOk != null) {
                if (endedOk) {
                    ended.put(runId, false);
                    emit(null, new RunVerdict(runId, event.extension(ExtensionNames.CELL_ID), RunVerdict.Status.BAD, 0,
                            at(event) + ": event after destroyed (this run was reported ok above)", false, null), -1);
                }
                return;
            }
            run = open(runId);
        }
        check(run, event, envelope, content, contentFailure);
    }

    /** The run chain sees every signed event line of a file, whatever becomes of its run (as the writer does). */
    private void linkRuns(String source, TrailEvent event, Dsse.Envelope envelope, EventCheck.Content content) {
        String digest = content != null ? content.payloadHash()
                : java.util.HexFormat.of().formatHex(Digests.sha256(envelope.payload()));
        boolean signsRunPrev = content != null && content.signsRunPrev();
        for (RunChainCheck.Finding finding : runChain.event(source, event, digest, signsRunPrev)) {
            problems.add("run chain: " + (finding.runId() == null ? "" : "run " + finding.runId() + ": ")
                    + finding.message());
        }
    }

    private RunState open(String runId) {
        RunState run = new RunState(runId, ordinal++);
        open.put(runId, run);
        if (open.size() > MAX_OPEN_RUNS) {
            Iterator<RunState> eldest = open.values().iterator();
            RunState evicted = eldest.next();
            eldest.remove();
            if (anchorHolds(evicted)) {
                endAs(evicted, RunVerdict.Status.INCOMPLETE, "left unfinished after " + evicted.events
                        + " events: more than " + MAX_OPEN_RUNS + " runs were open at once");
            }
        }
        return run;
    }

    private void check(RunState run, TrailEvent event, Dsse.Envelope envelope, EventCheck.Content content,
                       EventCheck.Failure failure) {
        String seqText = event.extension(ExtensionNames.CHAIN_SEQ);
        if (run.outOfOrder != null) {
            if (Integer.toString(run.expectedSeq).equals(seqText)) {
                endBad(run, run.outOfOrder.at() + ": reorder: it comes before seq " + run.expectedSeq);
            }
            return;
        }
        if (run.events == 0) {
            run.cellId = event.extension(ExtensionNames.CELL_ID);
        }
        if (run.keys == null) {
            run.keyFromTrail = trustedKeys.isEmpty();
            run.keys = run.keyFromTrail ? publishedKey(event) : trustedKeys;
        }
        Ed25519Key.PublicKey signer = null;
        try {
            if (options.everySignature() && envelope != null) {
                signer = EventCheck.signature(envelope, run.keys);
            }
            if (failure != null) {
                throw failure;
            }
            requireConsistent(event, run.runId, run.cellId);
        } catch (EventCheck.Failure f) {
            if (run.keyFromTrail && run.events == 0 && !"0".equals(seqText)) {
                run.outOfOrder = new RunState.OutOfOrder(at(event), -1);
                return;
            }
            endBad(run, at(event) + ": " + reason(f, run));
            return;
        }
        if (content.seq() < run.expectedSeq) {
            endBad(run, at(event) + ": duplicate: seq " + content.seq() + " was already seen in this run");
            return;
        }
        if (content.seq() != run.expectedSeq) {
            run.outOfOrder = new RunState.OutOfOrder(at(event), content.seq());
            return;
        }
        if (!run.previousHash.equals(content.chainPrev())) {
            endBad(run, at(event) + ": broken chain: chainprev does not name seq " + (run.expectedSeq - 1));
            return;
        }
        run.previousHash = content.payloadHash();
        run.expectedSeq++;
        run.events++;
        run.lastType = event.content().type();
        run.lastWhere = event.where();
        if (signer != null) {
            run.signer = signer;
        } else {
            run.anchor = envelope;
            run.anchorEvent = event;
        }
        if (!content.unsigned().isEmpty()) {
            run.unsigned(content.unsigned(), content.seq());
        }
        if (EventTypes.DESTROYED.equals(run.lastType)) {
            open.remove(run.runId);
            if (!anchorHolds(run)) {
                return;
            }
            if (run.tornAt != null) {
                endAs(run, RunVerdict.Status.BAD, "partial line at " + run.tornAt + " in a run that completed");
            } else {
                endAs(run, RunVerdict.Status.OK, run.events + " events, chain intact, " + signatureNote(false)
                        + ", " + keyNote(run));
            }
        }
    }

    /**
     * Checks the signature of the run's last event so far (its anchor), which covers every event before it
     * through the chain; false, and the run ended bad, when it does not hold.
     */
    private boolean anchorHolds(RunState run) {
        if (run.anchor == null) {
            return true;
        }
        try {
            run.signer = EventCheck.signature(run.anchor, run.keys);
            run.anchor = null;
            return true;
        } catch (EventCheck.Failure f) {
            String reason = reason(f, run);
            endAs(run, RunVerdict.Status.BAD, at(run.anchorEvent) + ": " + reason + (reason.startsWith("bad signature")
                    ? " (this signature covers every event of the run up to it through the chain, so one of them"
                    + " was altered or forged; --every-signature names the first)" : ""));
            return false;
        }
    }

    private static String reason(EventCheck.Failure f, RunState run) {
        return f.getMessage().startsWith("unknown key") && run.keyFromTrail
                ? f.getMessage() + " (no --key given, and the run's started event publishes no matching key)"
                : f.getMessage();
    }

    private String signatureNote(boolean present) {
        return options.everySignature() ? "every signature checked"
                : "signature of the last " + (present ? "present " : "") + "event checked";
    }

    private void endUnfinished(RunState run) {
        if (run.outOfOrder != null) {
            int got = run.outOfOrder.seq();
            endAs(run, RunVerdict.Status.BAD, run.outOfOrder.at() + ": gap: seq " + run.expectedSeq
                    + (got - 1 > run.expectedSeq ? ".." + (got - 1) : "") + " missing"
                    + (got < 0 ? " (the run's first event is not its started event)" : ""));
        } else if (run.events == 0) {
            endAs(run, RunVerdict.Status.INCOMPLETE, "only a partial line at " + run.tornAt
                    + " (the writer stopped mid-event)");
        } else if (anchorHolds(run)) {
            endAs(run, RunVerdict.Status.INCOMPLETE, "no destroyed event; the last is seq " + (run.expectedSeq - 1)
                    + " at " + run.lastWhere
                    + (run.tornAt != null ? ", then a partial line at " + run.tornAt + " (the writer stopped mid-event)" : "")
                    + "; " + run.events + " events verified, chain intact, " + signatureNote(true)
                    + ", " + keyNote(run));
        }
    }

    private void endBad(RunState run, String detail) {
        open.remove(run.runId);
        endAs(run, RunVerdict.Status.BAD, detail);
    }

    private void endAs(RunState run, RunVerdict.Status status, String detail) {
        ended.put(run.runId, status == RunVerdict.Status.OK);
        if (run.unsignedCount > 0) {
            unsignedRuns++;
        }
        emit(run, new RunVerdict(run.runId, run.cellId, status, run.events, detail,
                status != RunVerdict.Status.BAD && run.keyFromTrail, run.unsignedNote()), run.ordinal);
    }

    private void emit(RunState run, RunVerdict verdict, long order) {
        switch (verdict.status()) {
            case OK -> ok++;
            case INCOMPLETE -> incomplete++;
            default -> bad++;
        }
        if (verdict.status() == RunVerdict.Status.BAD && run == null) {
            ok--; // the run was counted ok before its late event showed up
        }
        if (collected != null) {
            collected.add(Map.entry(order < 0 ? ordinal++ : order, verdict));
        } else {
            out.accept(verdict);
        }
    }

    private static String keyNote(RunState run) {
        return "key " + run.signer.keyId().substring(0, 16) + (run.keyFromTrail
                ? " published by the run itself: intact, origin not proven (pass --key to prove it)" : "");
    }

    private static String at(TrailEvent event) {
        return "seq " + event.extension(ExtensionNames.CHAIN_SEQ) + " (event " + event.content().id() + " at "
                + event.where() + ")";
    }

    /**
     * A torn fragment followed by another runner's whole line on the same line: keep the whole event.
     * The event is the JSON object that the line's last byte closes, found in one backward pass (string
     * quotes are told from escaped ones by the backslashes before them) and parsed once: linear time.
     */
    private boolean recoverGluedLine(byte[] bytes, String source, String where, boolean fileOrder) {
        int start = GluedLine.lastObjectStart(bytes);
        if (start <= 0) {
            return false;
        }
        TrailEvent event;
        try {
            event = TrailEvent.scan(java.util.Arrays.copyOfRange(bytes, start, bytes.length), where + " (after a partial line)");
        } catch (IOException | RuntimeException notAnEvent) {
            return false;
        }
        torn(java.util.Arrays.copyOf(bytes, start), where, true, "partial line");
        add(event, source, fileOrder);
        return true;
    }

    private void torn(byte[] fragment, String where, boolean partial, String reason) {
        Matcher runId = RUN_ID.matcher(new String(fragment, StandardCharsets.UTF_8));
        if (partial && runId.find()) {
            String id = runId.group(1);
            RunState run = open.get(id);
            if (run == null && Boolean.TRUE.equals(ended.get(id))) {
                ended.put(id, false);
                emit(null, new RunVerdict(id, null, RunVerdict.Status.BAD, 0, "partial line at " + where
                        + " after the run completed (it was reported ok above)", false, null), -1);
                return;
            }
            if (run == null && ended.containsKey(id)) {
                return;
            }
            (run == null ? open(id) : run).tornAt = where;
        } else if (partial) {
            notes.add(where + ": partial line of " + fragment.length + " bytes naming no run (a writer stopped mid-line): ignored");
        } else {
            problems.add(where + ": not a CloudEvent: " + shorten(reason));
        }
    }

    private static String shorten(String reason) {
        if (reason == null) {
            return "unreadable";
        }
        String oneLine = reason.replaceAll("\\s+", " ");
        return oneLine.length() <= MAX_REASON ? oneLine : oneLine.substring(0, MAX_REASON) + "...";
    }

    private static void requireConsistent(TrailEvent event, String runId, String cellId) throws EventCheck.Failure {
        JsonNode data = event.data();
        if (!Objects.equals(cellId, event.extension(ExtensionNames.CELL_ID))) {
            throw new EventCheck.Failure("cellid differs from the run's first event");
        }
        if (data != null && data.isObject()
                && (!runId.equals(data.path("runId").asText(null)) || !Objects.equals(cellId, data.path("cellId").asText(null)))) {
            throw new EventCheck.Failure("data.runId/data.cellId do not match the runid/cellid extensions");
        }
    }

    /** The key a run's started event (seq 0) publishes; whoever wrote the trail chose it. */
    private static List<Ed25519Key.PublicKey> publishedKey(TrailEvent event) {
        if (EventTypes.STARTED.equals(event.content().type()) && "0".equals(event.extension(ExtensionNames.CHAIN_SEQ))
                && event.data() != null && event.data().path("signingPublicKey").isTextual()) {
            try {
                return List.of(Ed25519Key.PublicKey.fromBase64(event.data().path("signingPublicKey").textValue()));
            } catch (IllegalArgumentException e) {
                return List.of();
            }
        }
        return List.of();
    }

    /** The first {@link #MAX_FINDINGS} findings word for word, and how many there were. */
    private static final class Findings {
        private final List<String> kept = new ArrayList<>();
        private long count;

        void add(String finding) {
            count++;
            if (kept.size() < MAX_FINDINGS) {
                kept.add(finding);
            }
        }

        List<String> kept() {
            return List.copyOf(kept);
        }
    }
}
