package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Digests;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.SigningKey;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The key a run signs its events with: {@code --signing-key FILE}, else the CellOS variables
 * {@code CELLOS_EVENT_SIGNING_KEY_BASE64} (raw 32-byte seed, base64url) and {@code CELLOS_EVENT_SIGNING_KID},
 * else a fresh key for this run alone. Messages never quote key material.
 */
final class SigningKeyOptions {
    static final String KEY_VARIABLE = "CELLOS_EVENT_SIGNING_KEY_BASE64";
    static final String KID_VARIABLE = "CELLOS_EVENT_SIGNING_KID";
    private static final String SIGNING_KEY_OPTION = RunnerOptions.SIGNING_KEY;

    private SigningKeyOptions() {
    }

    /** The operator's key (file, else the CellOS variables), or null when none is given. */
    static SigningKey configured(Path keyFile, Map<String, String> env) throws IllegalArgumentException {
        String label = blankToNull(env.get(KID_VARIABLE));
        if (keyFile != null) {
            try {
                return new SigningKey(KeyFiles.readPrivate(keyFile), false, null);
            } catch (IOException e) {
                throw new IllegalArgumentException(SIGNING_KEY_OPTION + ": " + e.getMessage());
            }
        }
        String encoded = blankToNull(env.get(KEY_VARIABLE));
        if (encoded != null) {
            return new SigningKey(fromVariable(encoded), false, label);
        }
        if (label != null) {
            throw new IllegalArgumentException(KID_VARIABLE + " is set but " + KEY_VARIABLE + " is not");
        }
        return null;
    }

    /** A fresh key for one run; says so when events are on, since it proves integrity, not origin. */
    static SigningKey ephemeral(boolean eventsOn, Consumer<String> log) {
        SigningKey key = SigningKey.generateEphemeral();
        if (eventsOn) {
            log.accept("no signing key given: events are signed with a fresh key for this run only (key id "
                    + key.keyId() + ", public half in the started event); that proves integrity, not origin."
                    + " Use --signing-key (see cell-runner keygen) to prove origin");
        }
        return key;
    }

    private static Ed25519Key fromVariable(String encoded) {
        byte[] seed;
        try {
            seed = Digests.decodeBase64(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(KEY_VARIABLE + " is not base64url");
        }
        try {
            return Ed25519Key.fromSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(KEY_VARIABLE + " must hold a raw 32-byte Ed25519 seed, it holds "
                    + seed.length + " bytes");
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
