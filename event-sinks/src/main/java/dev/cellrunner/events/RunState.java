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
    /** An event came out of order: bad either way; a reorder if {@code expectedSeq} still shows up, else a gap. */
    OutOfOrder outOfOrder;

    record OutOfOrder(String at, int seq) {
    }

    RunState(String runId, long ordinal) {
        this.runId = runId;
        this.ordinal = ordinal;
    }
}
