package dev.cellrunner.events;

/**
 * The key a run signs with, and where it came from. {@code ephemeral}: made for this run only, its public
 * half published in the trail itself (integrity, not origin). {@code label}: an operator's name for the
 * key (CellOS {@code CELLOS_EVENT_SIGNING_KID}), or null.
 */
public record SigningKey(Ed25519Key key, boolean ephemeral, String label) {
    public static SigningKey generateEphemeral() {
        return new SigningKey(Ed25519Key.generate(), true, null);
    }

    public String keyId() {
        return key.keyId();
    }

    public Ed25519Key.PublicKey publicKey() {
        return key.publicKey();
    }
}
