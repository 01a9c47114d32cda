package dev.cellrunner.events;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 key files in the PEM forms OpenSSL reads and writes: PKCS#8 {@code PRIVATE KEY} (mode 0600) and
 * SubjectPublicKeyInfo {@code PUBLIC KEY}. Errors never quote a file's content.
 */
public final class KeyFiles {
    public static final String PRIVATE_NAME = "event-signing.key";
    public static final String PUBLIC_NAME = "event-signing.pub";

    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    /** Far more than any PEM key; a larger "key file" is refused from its size, before it is read. */
    static final int MAX_KEY_FILE_BYTES = 64 * 1024;

    private KeyFiles() {
    }

    /** The two files {@link #writeNewPair} made. */
    public record Written(Path privateKey, Path publicKey, String keyId) {
    }

    /** Generates a key pair into {@code dir}; refuses to replace either file. */
    public static Written writeNewPair(Path dir) throws IOException {
        Path privatePath = dir.resolve(PRIVATE_NAME);
        Path publicPath = dir.resolve(PUBLIC_NAME);
        for (Path path : new Path[] {privatePath, publicPath}) {
            if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(path + " exists; not replacing a key");
            }
        }
        Files.createDirectories(dir);
        Ed25519Key key = Ed25519Key.generate();
        byte[] seed = key.seed();
        try {
            writeNew(privatePath, pem("PRIVATE KEY", concat(PKCS8_PREFIX, seed)), "rw-------");
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
        writeNew(publicPath, pem("PUBLIC KEY", concat(SPKI_PREFIX, key.publicKey().raw())), "rw-r--r--");
        return new Written(privatePath, publicPath, key.keyId());
    }

    public static Ed25519Key readPrivate(Path path) throws IOException {
        byte[] der = der(path, "PRIVATE KEY");
        if (der.length != PKCS8_PREFIX.length + 32 || !startsWith(der, PKCS8_PREFIX)) {
            throw new IOException(path + ": not an Ed25519 PKCS#8 private key");
        }
        byte[] seed = Arrays.copyOfRange(der, PKCS8_PREFIX.length, der.length);
        try {
            return Ed25519Key.fromSeed(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(der, (byte) 0);
        }
    }

    /** A PEM public key, or the raw 32 bytes in Base64 (as a trail's started event publishes it). */
    public static Ed25519Key.PublicKey readPublic(Path path) throws IOException {
        String text = readKeyFile(path).strip();
        if (!text.startsWith("-----BEGIN")) {
            try {
                return Ed25519Key.PublicKey.fromBase64(text);
            } catch (IllegalArgumentException e) {
                throw new IOException(path + ": not an Ed25519 public key (PEM, or 32 bytes in Base64)");
            }
        }
        byte[] der = der(path, "PUBLIC KEY");
        if (der.length != SPKI_PREFIX.length + 32 || !startsWith(der, SPKI_PREFIX)) {
            throw new IOException(path + ": not an Ed25519 public key");
        }
        return new Ed25519Key.PublicKey(Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length));
    }

    private static byte[] der(Path path, String label) throws IOException {
        String text = readKeyFile(path);
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(path + ": no PEM " + label + " block");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": PEM " + label + " block is not Base64");
        }
    }

    /** Opened without blocking, a regular file of at most 64 KiB, else refused: a FIFO or /dev/zero is never read. */
    private static String readKeyFile(Path path) throws IOException {
        return new String(CheckedFiles.readSmallRegularFile(path, MAX_KEY_FILE_BYTES), StandardCharsets.US_ASCII);
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static void writeNew(Path path, String content, String mode) throws IOException {
        try (var channel = Files.newByteChannel(path,
                java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)))) {
            channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
