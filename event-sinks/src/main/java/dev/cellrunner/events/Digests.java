package dev.cellrunner.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** SHA-256 and the Base64 flavours the Verifiability extension and DSSE accept. */
public final class Digests {
    /** One instance per thread: looking an algorithm up costs more than hashing a short value. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Digests::newSha256);
    public static final byte[] EMPTY_SHA256 = sha256(new byte[0]);

    private Digests() {
    }

    public static byte[] sha256(byte[] bytes) {
        return SHA256.get().digest(bytes);
    }

    /** SHA-256 of {@code length} bytes of {@code bytes} from {@code offset}. */
    public static byte[] sha256(byte[] bytes, int offset, int length) {
        MessageDigest digest = SHA256.get();
        digest.update(bytes, offset, length);
        return digest.digest();
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** SHA-256 of the UTF-8 text, or of the empty byte sequence when the value is absent. */
    public static byte[] sha256Utf8(String text) {
        return text == null ? EMPTY_SHA256.clone() : sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@link #sha256Utf8} for values that repeat from event to event (source, type, subject, a run's ids):
     * remembered per thread, a few hundred at most.
     */
    public static byte[] sha256Repeated(String text) {
        if (text == null || text.length() > 200) {
            return sha256Utf8(text);
        }
        java.util.Map<String, byte[]> cache = REPEATED.get();
        byte[] digest = cache.get(text);
        if (digest == null) {
            if (cache.size() >= 512) {
                cache.clear();
            }
            digest = sha256Utf8(text);
            cache.put(text, digest);
        }
        return digest;
    }

    private static final ThreadLocal<java.util.Map<String, byte[]>> REPEATED = ThreadLocal.withInitial(java.util.HashMap::new);

    /** Decodes standard or URL-safe Base64, padded or not (DSSE and RFC 4648 allow both). */
    public static byte[] decodeBase64(String text) {
        String s = text.strip();
        return s.indexOf('-') >= 0 || s.indexOf('_') >= 0
                ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
    }
}
