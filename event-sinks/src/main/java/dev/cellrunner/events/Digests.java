package dev.cellrunner.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** SHA-256 and the Base64 flavours the Verifiability extension and DSSE accept. */
public final class Digests {
    public static final byte[] EMPTY_SHA256 = sha256(new byte[0]);

    private Digests() {
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** SHA-256 of the UTF-8 text, or of the empty byte sequence when the value is absent. */
    public static byte[] sha256Utf8(String text) {
        return text == null ? EMPTY_SHA256.clone() : sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes standard or URL-safe Base64, padded or not (DSSE and RFC 4648 allow both). */
    public static byte[] decodeBase64(String text) {
        String s = text.strip();
        return s.indexOf('-') >= 0 || s.indexOf('_') >= 0
                ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
    }
}
