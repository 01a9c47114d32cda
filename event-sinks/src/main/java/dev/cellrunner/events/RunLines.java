package dev.cellrunner.events;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 over one run's events as a JSONL sink writes them (each event's JSON and a newline, in order),
 * so the run's lines in a trail can be checked later even when other runs' lines sit between them.
 */
public final class RunLines {
    /** {@code sha256}: hex digest of {@code lines} lines. */
    public record Digest(String sha256, int lines) {
    }

    private final MessageDigest sha256;
    private int count;

    public RunLines() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** One event's JSON, without its newline. */
    public void add(byte[] json) {
        sha256.update(json);
        sha256.update((byte) '\n');
        count++;
    }

    public Digest digest() {
        try {
            return new Digest(HexFormat.of().formatHex(((MessageDigest) sha256.clone()).digest()), count);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned", e);
        }
    }
}
