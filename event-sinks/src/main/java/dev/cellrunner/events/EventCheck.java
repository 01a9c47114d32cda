package dev.cellrunner.events;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Checks one event against the Verifiability extension in two halves: {@link #content} (envelope, the
 * core and extension digests recomputed from the event, the chain attributes among the signed ones) and
 * {@link #signature} (the envelope's signature by a trusted key). {@link #verify} does both. A run's
 * verifier may check the content of every event and the signature of the last one only: each payload
 * names the previous one through {@code chainprev} (CONTRACT.md §3).
 */
public final class EventCheck {
    private EventCheck() {
    }

    /** What a verified event says about its place in the run; {@code payloadHash} is what the next chainprev names. */
    public record Verified(int seq, String chainPrev, String payloadHash, Ed25519Key.PublicKey key) {
    }

    /**
     * An event whose content matches its signed payload. {@code envelope}: what its signature (not yet
     * checked) covers; {@code signsRunPrev}: runprev is among the signed attributes; {@code unsigned}: its
     * extension attributes that no signature covers.
     */
    public record Content(int seq, String chainPrev, String payloadHash, Dsse.Envelope envelope, boolean signsRunPrev,
                          List<String> unsigned) {
    }

    public static final class Failure extends Exception {
        public Failure(String reason) {
            super(reason);
        }
    }

    /** Content and signature; the signature first, so a forged event reads as one. */
    public static Verified verify(TrailEvent event, List<Ed25519Key.PublicKey> trusted) throws Failure {
        Dsse.Envelope envelope = envelope(event);
        Ed25519Key.PublicKey key = signature(envelope, trusted);
        Content content = content(event, envelope);
        return new Verified(content.seq(), content.chainPrev(), content.payloadHash(), key);
    }

    /** The event's DSSE envelope, of the Verifiability payload type. */
    public static Dsse.Envelope envelope(TrailEvent event) throws Failure {
        if (event.dsseMaterial() == null || event.dsseMaterial().length == 0) {
            throw new Failure("unsigned (no dssematerial)");
        }
        Dsse.Envelope envelope;
        try {
            envelope = Dsse.Envelope.parse(event.dsseMaterial());
        } catch (IOException e) {
            throw new Failure("corrupt verification material: " + e.getMessage());
        }
        if (!VerificationMaterial.PAYLOAD_TYPE.equals(envelope.payloadType())) {
            throw new Failure("unknown DSSE payload type");
        }
        return envelope;
    }

    /** The trusted key whose signature in the envelope verifies. */
    public static Ed25519Key.PublicKey signature(Dsse.Envelope envelope, List<Ed25519Key.PublicKey> trusted) throws Failure {
        Ed25519Key.PublicKey key = envelope.verifiedBy(trusted);
        if (key == null) {
            throw new Failure(knowsAKey(envelope, trusted) ? "bad signature"
                    : "unknown key " + envelope.signatures().get(0).keyid());
        }
        return key;
    }

    /** Everything but the signature: the digests the payload holds, recomputed from the event itself. */
    public static Content content(TrailEvent event, Dsse.Envelope envelope) throws Failure {
        VerificationMaterial material;
        try {
            material = VerificationMaterial.parse(envelope.payload());
        } catch (IOException e) {
            throw new Failure("corrupt verification material: " + e.getMessage());
        }
        if (!material.signedExtAttrs().containsAll(ExtensionNames.SIGNED)) {
            throw new Failure("bad signature: the chain attributes are not signed");
        }
        if (!Arrays.equals(material.core(), VerificationMaterial.coreDigest(event.content()))
                && !(event.dataAsWritten() && Arrays.equals(material.core(), canonicalCore(event)))) {
            throw new Failure("bad signature: attributes or data differ from what was signed");
        }
        if (!Arrays.equals(material.ext(), VerificationMaterial.extDigest(event.content(), material.signedExtAttrs()))) {
            throw new Failure("bad signature: extension attributes differ from what was signed");
        }
        int seq;
        try {
            seq = Integer.parseInt(event.extension(ExtensionNames.CHAIN_SEQ));
        } catch (NumberFormatException e) {
            throw new Failure("chainseq is not an integer");
        }
        List<String> unsigned = List.of();
        for (String name : event.content().extensions().keySet()) {
            if (!material.signedExtAttrs().contains(name)) {
                if (unsigned.isEmpty()) {
                    unsigned = new ArrayList<>(1);
                }
                unsigned.add(name);
            }
        }
        return new Content(seq, event.extension(ExtensionNames.CHAIN_PREV),
                HexFormat.of().formatHex(Digests.sha256(envelope.payload())), envelope,
                material.signedExtAttrs().contains(ExtensionNames.RUN_PREV), unsigned);
    }

    /** The core digest with the data re-canonicalised: data as written that a pipeline reformatted. */
    private static byte[] canonicalCore(TrailEvent event) throws Failure {
        try {
            return VerificationMaterial.coreDigest(event.canonical().content());
        } catch (IOException | RuntimeException e) {
            throw new Failure("data is not canonical JSON and cannot be read: " + e.getMessage());
        }
    }

    private static boolean knowsAKey(Dsse.Envelope envelope, List<Ed25519Key.PublicKey> trusted) {
        Set<String> ids = new HashSet<>();
        trusted.forEach(k -> ids.add(k.keyId()));
        return envelope.signatures().stream().anyMatch(s -> ids.contains(s.keyid()));
    }
}
