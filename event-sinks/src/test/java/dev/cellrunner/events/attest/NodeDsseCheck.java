package dev.cellrunner.events.attest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sigstore's JavaScript verifier (npm {@code @sigstore/verify}, see {@code /dsse-check/js/check.js}), installed
 * with npm under {@code target/} and run as a Node process: an implementation of DSSE not written here.
 * scripts/install-deps.sh installs node and npm; without them the tests that use this fail, they do not skip.
 */
public final class NodeDsseCheck {
    /** What the checker printed ("ok ..." or "FAILED ...") and its exit status. */
    public record Result(int status, String output) {
    }

    private static final Path HOME = Path.of("target", "dsse-check", "js").toAbsolutePath();

    private NodeDsseCheck() {
    }

    public static synchronized Result check(Path envelope, Path publicKeyPem) throws IOException, InterruptedException {
        install();
        Process node = new ProcessBuilder("node", "check.js", envelope.toString(), publicKeyPem.toString())
                .directory(HOME.toFile()).redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(node.exitValue(), output);
    }

    private static void install() throws IOException, InterruptedException {
        Files.createDirectories(HOME);
        for (String file : List.of("package.json", "check.js")) {
            try (InputStream in = NodeDsseCheck.class.getResourceAsStream("/dsse-check/js/" + file)) {
                Files.copy(in, HOME.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (!Files.isDirectory(HOME.resolve("node_modules/@sigstore/verify"))) {
            Process npm = new ProcessBuilder("npm", "install", "--prefer-offline", "--no-audit", "--no-fund")
                    .directory(HOME.toFile()).redirectErrorStream(true).start();
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(npm.exitValue()).as("npm install (scripts/install-deps.sh installs node and npm): " + output).isZero();
        }
    }

    /** An Ed25519 public key as the PEM SubjectPublicKeyInfo Node reads. */
    public static Path pem(dev.cellrunner.events.Ed25519Key.PublicKey key, Path file) throws IOException {
        byte[] prefix = java.util.HexFormat.of().parseHex("302a300506032b6570032100");
        byte[] der = new byte[prefix.length + 32];
        System.arraycopy(prefix, 0, der, 0, prefix.length);
        System.arraycopy(key.raw(), 0, der, prefix.length, 32);
        return Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n");
    }
}
