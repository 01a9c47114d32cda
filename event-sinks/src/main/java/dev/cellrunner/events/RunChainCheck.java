package dev.cellrunner.events;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * verify's half of the run chain (CONTRACT.md §3): follows the signed event lines of each file in order,
 * one digest at a time, and checks every {@code runprev} against the signed event line before it, and the
 * first link of a file against the last event line of the file given before it. Memory stays bounded:
 * the current digest per file, and the most recent digests (to tell a reorder from a deletion).
 */
public final class RunChainCheck {
    /** Digests remembered to name where an out-of-place link points. */
    static final int REMEMBERED = 100_000;

    /** {@code runId} null: the finding is about a file, not a run. */
    public record Finding(String runId, String message) {
    }

    private String source;
    private String last;
    private String lastWhere;
    private String previousSource;
    private String previousLast;
    private final RecentDigests recent = new RecentDigests(REMEMBERED);
    /** Links to events not seen yet in this file: if one shows up later, the runs were reordered. */
    private final Map<String, String> ahead = bounded();

    private static Map<String, String> bounded() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    /**
     * One signed event line of {@code source} (lines that are no signed event are passed over by the caller,
     * as the writer passes over them); returns what is wrong with its link, if anything.
     */
    public List<Finding> event(String source, TrailEvent event) {
        return event(source, event, payloadDigest(event), signsRunPrev(event));
    }

    /**
     * {@link #event(String, TrailEvent)} for a caller that has already read the event's envelope: {@code digest}
     * is the hex SHA-256 of its signed payload (null: no signed event), {@code signsRunPrev} whether runprev is
     * among its signed attributes.
     */
    public List<Finding> event(String source, TrailEvent event, String digest, boolean signsRunPrev) {
        if (!source.equals(this.source)) {
            if (this.source != null && last != null) {
                previousSource = this.source;
                previousLast = last;
            }
            this.source = source;
            last = null;
            lastWhere = null;
            recent.clear();
            ahead.clear();
        }
        if (digest == null) {
            return List.of();
        }
        List<Finding> findings = List.of();
        String runPrev = event.extension(ExtensionNames.RUN_PREV);
        if (runPrev != null) {
            findings = new ArrayList<>(2);
            Optional<Finding> linkFinding = link(event, runPrev, signsRunPrev);
            linkFinding.ifPresent(findings::add);
            if (linkFinding.isPresent() && linkFinding.get().runId() != null && !runPrev.equals(ChainSigner.NO_PREVIOUS)
                    && !recent.contains(runPrev)) {
                ahead.put(runPrev, shortType(event) + " at " + event.where());
            }
        }
        String linkedFrom = ahead.isEmpty() ? null : ahead.remove(digest);
        if (linkedFrom != null) {
            findings = new ArrayList<>(findings);
            findings.add(new Finding(null, "the " + linkedFrom + " names the event at " + event.where()
                    + ", which comes after it: runs were reordered"));
        }
        recent.put(digest, event.where());
        last = digest;
        lastWhere = event.where();
        return findings;
    }

    private Optional<Finding> link(TrailEvent event, String runPrev, boolean signsRunPrev) {
        String runId = event.extension(ExtensionNames.RUN_ID);
        String what = "its " + shortType(event) + " at " + event.where();
        if (!signsRunPrev) {
            return Optional.of(new Finding(runId, what + " carries runprev outside its signature"));
        }
        if (last == null) {
            if (runPrev.equals(ChainSigner.NO_PREVIOUS)) {
                return Optional.empty();
            }
            if (previousLast == null) {
                // continues a file not given, unless the event it names comes later in this one
                ahead.put(runPrev, shortType(event) + " at " + event.where());
                return Optional.empty();
            }
            if (runPrev.equals(previousLast)) {
                return Optional.empty();
            }
            return Optional.of(new Finding(null, previousSource + " was cut at a run boundary (or a file between is"
                    + " missing): the first run of " + source + " follows event " + runPrev.substring(0, 16)
                    + "..., not the last event line of " + previousSource));
        }
        if (runPrev.equals(last)) {
            return Optional.empty();
        }
        String seen = recent.get(runPrev);
        if (seen != null) {
            return Optional.of(new Finding(runId, what + " follows the event at " + seen + ", not the line before it ("
                    + lastWhere + "): runs were reordered, or lines inserted after " + seen));
        }
        if (runPrev.equals(ChainSigner.NO_PREVIOUS)) {
            return Optional.of(new Finding(runId, what + " begins a new file, but " + lastWhere + " comes before it:"
                    + " lines were inserted before it, or the run comes from another file"));
        }
        return Optional.of(new Finding(runId, what + " follows an event that is not in this file before it: the run"
                + " (or runs) that ended there were deleted, or this run was inserted from elsewhere"));
    }

    private static String shortType(TrailEvent event) {
        String type = event.content().type();
        return type == null ? "event" : type.substring(type.lastIndexOf('.') + 1);
    }

    /** Whether the event's signed attributes include runprev (what the signature covers, not what the line says). */
    private static boolean signsRunPrev(TrailEvent event) {
        try {
            Dsse.Envelope envelope = Dsse.Envelope.parse(event.dsseMaterial());
            return VerificationMaterial.parse(envelope.payload()).signedExtAttrs().contains(ExtensionNames.RUN_PREV);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String payloadDigest(TrailEvent event) {
        if (event.dsseMaterial() == null) {
            return null;
        }
        try {
            return java.util.HexFormat.of().formatHex(Digests.sha256(Dsse.Envelope.parse(event.dsseMaterial()).payload()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
