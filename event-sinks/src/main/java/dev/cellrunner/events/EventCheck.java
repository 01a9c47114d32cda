package dev.cellrunner.events;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Checks one event against the Verifiability extension: envelope, trusted key, signature, then the
 * core and extension digests recomputed from the event. The chain attributes must be among the signed ones.
 */
public final class EventCheck {
    private EventCheck() {
    }

    /** What a verified event says about its place in the run; {@code payloadHash} is what the next chainprev names. */
    public record Verified(int seq, String chainPrev, String payloadHash, Ed25519Key.PublicKey key) {
    }

    public static final class Failure extends Exception {
        public Failure(String reason) {
            super(reason);
        }
    }

    public static Verified verify(TrailEvent event, List<Ed25519Key.PublicKey> trusted) throws Failure {
        if (event.dsseMaterial() == null || event.dsseMaterial().length == 0) {
            throw new Failure("unsigned (no dssematerial)");
        }
        Dsse.Envelope envelope;
        VerificationMaterial material;
        try {
            envelope = Dsse.Envelope.parse(event.dsseMaterial());
        } catch (IOException e) {
            throw new Failure("corrupt verification material: " + e.getMessage());
        }
        if (!VerificationMaterial.PAYLOAD_TYPE.equals(envelope.payloadType())) {
            throw new Failure("unknown DSSE payload type");
        }
        Ed25519Key.PublicKey key = envelope.verifiedBy(trusted);
        if (key == null) {
            throw new Failure(knowsAKey(envelope, trusted) ? "bad signature"
                    : "unknown key " + envelope.signatures().get(0).keyid());
        }
        try {
            material = VerificationMaterial.parse(envelope.payload());
        } catch (IOException e) {
            throw new Failure("corrupt verification material: " + e.getMessage());
        }
        if (!material.signedExtAttrs().containsAll(ExtensionNames.SIGNED)) {
            throw new Failure("bad signature: the chain attributes are not signed");
        }
        if (!Arrays.equals(material.core(), VerificationMaterial.coreDigest(event.content()))) {
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
        return new Verified(seq, event.extension(ExtensionNames.CHAIN_PREV),
                HexFormat.of().formatHex(Digests.sha256(envelope.payload())), key);
    }

    private static boolean knowsAKey(Dsse.Envelope envelope, List<Ed25519Key.PublicKey> trusted) {
        Set<String> ids = new HashSet<>();
        trusted.forEach(k -> ids.add(k.keyId()));
        return envelope.signatures().stream().anyMatch(s -> ids.contains(s.keyid()));
    }
}
