package dev.cellrunner.events;

import java.util.List;

/**
 * What the verifier keeps of one run while its events stream past: never the events themselves, only
 * where the chain stands (next seq, previous payload digest, last type), the keys it is checked
 * against, and whether it is already known bad. Cross-run state (a file's previous run) lives beside
 * it in {@link TrailVerifier}.
 */
final class RunState {
    final String runId;
    final long ordinal;
    String cellId;
    /** Null until known: the trusted keys, or the key the run's started event published. */
    List<Ed25519Key.PublicKey> keys;
    boolean keyFromTrail;
    int expectedSeq;
    String previousHash = ChainSigner.NO_PREVIOUS;
    String lastType;
    String lastWhere;
    int events;
    String tornAt;
    Ed25519Key.PublicKey signer;
    /** The envelope of the last event whose content checked out, its own signature not yet checked (null once it is). */
    Dsse.Envelope anchor;
    /** The anchor's event, for the message when its signature fails (its data as scanned: a few members). */
    TrailEvent anchorEvent;
    /** Extension attributes no signature covers: how many, and the first few by name. */
    int unsignedCount;
    private String unsignedFirst;
    /** An event came out of order: bad either way; a reorder if {@code expectedSeq} still shows up, else a gap. */
    OutOfOrder outOfOrder;

    record OutOfOrder(String at, int seq) {
    }

    RunState(String runId, long ordinal) {
        this.runId = runId;
        this.ordinal = ordinal;
    }

    void unsigned(List<String> names, int seq) {
        if (unsignedFirst == null) {
            unsignedFirst = String.join(", ", names.subList(0, Math.min(3, names.size())))
                    .replaceAll("[^a-zA-Z0-9_, -]", "?") + " at seq " + seq;
        }
        unsignedCount += names.size();
    }

    /** Null when every extension attribute of the run's events is signed. */
    String unsignedNote() {
        return unsignedCount == 0 ? null : unsignedCount + " extension attribute(s) no signature covers (" + unsignedFirst
                + (unsignedCount > 3 ? ", ..." : "") + "): not part of what is proven";
    }
}
