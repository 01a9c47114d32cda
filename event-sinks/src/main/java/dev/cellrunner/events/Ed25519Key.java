package dev.cellrunner.events;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An Ed25519 signing key. {@link #keyId()} is the hex SHA-256 of the raw 32-byte public key, the DSSE
 * {@code keyid} of every signature it makes. The seed never leaves this object except through {@link #seed()}.
 */
public final class Ed25519Key {
    private final Ed25519PrivateKeyParameters privateKey;
    private final PublicKey publicKey;

    private Ed25519Key(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = new PublicKey(privateKey.generatePublicKey().getEncoded());
    }

    public static Ed25519Key generate() {
        return new Ed25519Key(new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    public static Ed25519Key fromSeed(byte[] seed) {
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 private key is a 32-byte seed, not " + seed.length + " bytes");
        }
        return new Ed25519Key(new Ed25519PrivateKeyParameters(seed, 0));
    }

    public byte[] sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public String keyId() {
        return publicKey.keyId();
    }

    byte[] seed() {
        return privateKey.getEncoded();
    }

    /**
     * An Ed25519 public key (raw 32 bytes). The decoded curve point and the key id are kept: a verifier checks
     * thousands of signatures with one key, and decoding the point costs a good part of a check.
     */
    public static final class PublicKey {
        private final byte[] raw;
        private final String keyId;
        private volatile Ed25519PublicKeyParameters decoded;

        public PublicKey(byte[] raw) {
            if (raw.length != Ed25519PublicKeyParameters.KEY_SIZE) {
                throw new IllegalArgumentException("an Ed25519 public key is 32 bytes, not " + raw.length);
            }
            this.raw = raw.clone();
            this.keyId = HexFormat.of().formatHex(Digests.sha256(this.raw));
        }

        public static PublicKey fromBase64(String text) {
            return new PublicKey(Digests.decodeBase64(text));
        }

        public String keyId() {
            return keyId;
        }

        public String base64Url() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        }

        public boolean verify(byte[] message, byte[] signature) {
            if (signature.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
                return false;
            }
            Ed25519PublicKeyParameters point = decoded;
            if (point == null) {
                point = new Ed25519PublicKeyParameters(raw, 0);
                decoded = point;
            }
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, point);
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(signature);
        }

        public byte[] raw() {
            return raw.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PublicKey other && java.util.Arrays.equals(raw, other.raw);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(raw);
        }

        @Override
        public String toString() {
            return "Ed25519 public key " + keyId();
        }
    }
}
