package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The two files {@code keygen --out DIR} writes (CONTRACT.md §3): the public one has "pub" in its name. */
public record KeyFiles(Path privateKey, Path publicKey) {
    /** Runs {@code keygen --out DIR} and finds the pair it wrote. */
    public static KeyFiles generate(Harness h, String name) {
        Path dir = h.file(name);
        RunResult keygen = h.call(RunnerCall.of("keygen", "--out", dir.toString()));
        assertThat(keygen.exitCode()).as(keygen.describe()).isZero();
        return new KeyFiles(onlyFile(dir, false), onlyFile(dir, true));
    }

    /** A fresh key for the CellOS variables: the seed for CELLOS_EVENT_SIGNING_KEY_BASE64, its public key as PEM. */
    public record CellOsKey(String seed, Path publicKey, byte[] rawPublicKey) {
        /** Adds CELLOS_EVENT_SIGNING_KEY_BASE64 and CELLOS_EVENT_SIGNING_KID to the call's environment. */
        public RunnerCall applyTo(RunnerCall call) {
            return call.env("CELLOS_EVENT_SIGNING_KEY_BASE64", seed).env("CELLOS_EVENT_SIGNING_KID", "crconf-kid");
        }
    }

    public static CellOsKey cellOsKey(Harness h, String name) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] encodedPrivate = pair.getPrivate().getEncoded();
            String seed = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(Arrays.copyOfRange(encodedPrivate, encodedPrivate.length - 32, encodedPrivate.length));
            byte[] spki = pair.getPublic().getEncoded();
            Path pem = h.write(name + ".pub", "-----BEGIN PUBLIC KEY-----\n" + Base64.getEncoder().encodeToString(spki)
                    + "\n-----END PUBLIC KEY-----\n");
            return new CellOsKey(seed, pem, Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("this JDK cannot make Ed25519 keys", e);
        }
    }

    /** The raw 32-byte Ed25519 public key in a public key file. */
    public static byte[] rawPublicKey(Path publicKey) {
        try {
            return TrailVerifier.rawPublicKey(Files.readAllBytes(publicKey))
                    .orElseThrow(() -> new AssertionError("cannot read an Ed25519 public key from " + publicKey));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path onlyFile(Path dir, boolean publicKey) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> matching = files.filter(f -> f.getFileName().toString().contains("pub") == publicKey).toList();
            assertThat(matching).as("%s key files in %s", publicKey ? "public" : "private", dir).hasSize(1);
            return matching.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
