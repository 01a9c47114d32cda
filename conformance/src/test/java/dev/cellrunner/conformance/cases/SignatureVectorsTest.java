package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.RunnerUnderTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recomputes the published signature vectors (conformance/vectors) from the text of the CloudEvents
 * Verifiability extension, with nothing but the JDK (SHA-256, Ed25519) and a JSON parser, then has the
 * CLI under test verify the same trail and reject a tampered copy.
 */
@ContractSection("§3 signatures and chain: published vectors")
class SignatureVectorsTest {
    private static final RunnerUnderTest RUNNER = RunnerUnderTest.fromEnvironment();
    private static final Path VECTORS = RUNNER.repositoryRoot().resolve("conformance/vectors");
    private static final String PAYLOAD_TYPE = "https://cloudevents.io/verifiability/dsse/v0.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static byte[] sha256(String text) throws Exception {
        return sha256(text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonNode event, String name) {
        return event.has(name) ? event.get(name).asText() : null;
    }

    private static byte[] digestOf(List<byte[]> digests) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] d : digests) {
            all.writeBytes(d);
        }
        return sha256(all.toByteArray());
    }

    private static PublicKey publicKey() throws Exception {
        String pem = Files.readString(VECTORS.resolve("signing-key.pub"));
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    }

    @Test
    void everyDigestPaeAndSignatureRecomputesFromTheExtensionText() throws Exception {
        List<String> lines = Files.readAllLines(VECTORS.resolve("trail.jsonl"));
        JsonNode expected = JSON.readTree(VECTORS.resolve("expected.json").toFile());
        PublicKey key = publicKey();
        byte[] spki = key.getEncoded();
        String keyId = HexFormat.of().formatHex(sha256(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
        assertThat(lines).hasSize(expected.size());
        String previousPayloadHash = "0".repeat(64);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode event = JSON.readTree(lines.get(i));
            JsonNode want = expected.get(i);
            byte[] data = want.get("dataJcs").asText().getBytes(StandardCharsets.UTF_8);
            assertThat(event.get("data")).isEqualTo(JSON.readTree(data));

            String time = DateTimeFormatter.ISO_INSTANT.format(
                    OffsetDateTime.parse(text(event, "time")).toInstant().truncatedTo(ChronoUnit.SECONDS));
            byte[] core = digestOf(List.of(sha256(text(event, "id")), sha256(text(event, "source")),
                    sha256(text(event, "specversion")), sha256(text(event, "type")),
                    sha256(text(event, "datacontenttype")), sha256(text(event, "dataschema")),
                    sha256(text(event, "subject")), sha256(time), sha256(data)));
            assertThat(HexFormat.of().formatHex(core)).isEqualTo(want.get("coreDigestHex").asText());
            byte[] ext = digestOf(List.of(sha256(text(event, "cellid")), sha256(text(event, "runid")),
                    sha256(event.get("chainseq").asText()), sha256(text(event, "chainprev"))));
            assertThat(HexFormat.of().formatHex(ext)).isEqualTo(want.get("extDigestHex").asText());

            JsonNode envelope = JSON.readTree(Base64.getDecoder().decode(text(event, "dssematerial")));
            assertThat(envelope.get("payloadType").asText()).isEqualTo(PAYLOAD_TYPE);
            byte[] payload = Base64.getDecoder().decode(envelope.get("payload").asText());
            JsonNode material = JSON.readTree(payload);
            assertThat(Base64.getDecoder().decode(material.get("core").asText())).isEqualTo(core);
            assertThat(Base64.getDecoder().decode(material.get("ext").asText())).isEqualTo(ext);
            assertThat(material.get("signedextattrs")).hasToString("[\"cellid\",\"runid\",\"chainseq\",\"chainprev\"]");

            ByteArrayOutputStream pae = new ByteArrayOutputStream();
            pae.writeBytes(("DSSEv1 " + PAYLOAD_TYPE.length() + " " + PAYLOAD_TYPE + " " + payload.length + " ")
                    .getBytes(StandardCharsets.UTF_8));
            pae.writeBytes(payload);
            assertThat(Base64.getEncoder().encodeToString(pae.toByteArray())).isEqualTo(want.get("paeBase64").asText());

            JsonNode signature = envelope.get("signatures").get(0);
            assertThat(signature.get("keyid").asText()).isEqualTo(keyId);
            Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initVerify(key);
            ed25519.update(pae.toByteArray());
            assertThat(ed25519.verify(Base64.getDecoder().decode(signature.get("sig").asText()))).isTrue();

            assertThat(text(event, "chainprev")).isEqualTo(previousPayloadHash);
            assertThat(event.get("chainseq").asInt()).isEqualTo(i);
            previousPayloadHash = HexFormat.of().formatHex(sha256(payload));
        }
    }

    @Test
    void theCliVerifiesTheVectorTrailAndRejectsATamperedCopy() throws Exception {
        Path trail = VECTORS.resolve("trail.jsonl");
        Path key = VECTORS.resolve("signing-key.pub");
        assertThat(cli("verify", "--key", key.toString(), trail.toString())).isZero();
        Path tampered = Files.createTempFile("cr-vectors-tampered", ".jsonl");
        try {
            Files.writeString(tampered, Files.readString(trail).replace("\"stdoutBytes\":20", "\"stdoutBytes\":21"));
            assertThat(cli("verify", "--key", key.toString(), tampered.toString())).isEqualTo(1);
        } finally {
            Files.delete(tampered);
        }
    }

    private static int cli(String... args) throws Exception {
        List<String> command = RUNNER.command(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println(String.join(" ", args) + " -> " + process.exitValue() + ": " + output.strip());
        return process.exitValue();
    }
}
