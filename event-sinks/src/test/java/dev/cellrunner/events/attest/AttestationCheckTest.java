package dev.cellrunner.events.attest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Dsse;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.Jcs;
import dev.cellrunner.events.RunLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our envelopes hold for our checker and for Sigstore's JavaScript verifier alike, and each kind of
 * tampering (a subject changed on disk, another key, an altered payload, a trail run with a line missing)
 * is named.
 */
class AttestationCheckTest {
    private static final String BUILD_TYPE = "https://cellrunner.dev/provenance/cell-run/v1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Ed25519Key KEY = Ed25519Key.fromSeed(new byte[32]);

    @TempDir
    Path dir;

    private static String line(String runId, int seq) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + runId + "-" + seq + "\",\"runid\":\"" + runId + "\",\"chainseq\":" + seq + "}";
    }

    /** A trail where run A's lines are interleaved with run B's, a statement naming an output and A's lines. */
    private Path[] fixture() throws Exception {
        Path output = Files.writeString(dir.resolve("out.bin"), "built\n");
        Path trail = dir.resolve("trail.jsonl");
        RunLines a = new RunLines();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String mine = line("run-a", i);
            a.add(mine.getBytes(StandardCharsets.UTF_8));
            text.append(mine).append('\n').append(line("run-b", i)).append('\n');
        }
        Files.writeString(trail, text);
        ObjectNode predicate = JSON.createObjectNode();
        predicate.putObject("buildDefinition").put("buildType", BUILD_TYPE);
        predicate.putObject("runDetails").putObject("metadata").put("invocationId", "run-a");
        ObjectNode statement = InTotoAttestation.statement(List.of(
                InTotoAttestation.resource(output.toString(), InTotoAttestation.sha256(output)),
                InTotoAttestation.trailRun(trail, "run-a", a.digest())), InTotoAttestation.SLSA_PROVENANCE, predicate);
        Path envelope = Files.write(dir.resolve("att.dsse"), InTotoAttestation.sign(statement, KEY));
        return new Path[] {envelope, output, trail};
    }

    private static AttestationCheck.Report check(Path envelope, Ed25519Key.PublicKey key) throws Exception {
        return AttestationCheck.verify(Files.readAllBytes(envelope), List.of(key), BUILD_TYPE);
    }

    @Test
    void anIntactAttestationHoldsForOurCheckerAndForSigstoresVerifier() throws Exception {
        Path[] f = fixture();
        AttestationCheck.Report report = check(f[0], KEY.publicKey());
        assertThat(report.problems()).isEmpty();
        assertThat(report.checked()).hasSize(2);
        Dsse.Envelope envelope = Dsse.Envelope.parse(Files.readAllBytes(f[0]));
        assertThat(envelope.payloadType()).isEqualTo("application/vnd.in-toto+json");
        assertThat(envelope.payload()).isEqualTo(Jcs.canonicalize(Jcs.parse(envelope.payload())));
        NodeDsseCheck.Result external = NodeDsseCheck.check(f[0], NodeDsseCheck.pem(KEY.publicKey(), dir.resolve("pub.pem")));
        assertThat(external.output()).startsWith("ok https://slsa.dev/provenance/v1 " + f[1]);
        assertThat(external.status()).isZero();
    }

    @Test
    void sigstoresVerifierRejectsAnAlteredPayloadAndAnotherKey() throws Exception {
        Path[] f = fixture();
        ObjectNode envelope = (ObjectNode) JSON.readTree(f[0].toFile());
        JsonNode statement = JSON.readTree(Base64.getDecoder().decode(envelope.get("payload").asText()));
        ((ObjectNode) statement.get("subject").get(0).get("digest")).put("sha256", "0".repeat(64));
        envelope.put("payload", Base64.getEncoder().encodeToString(Jcs.canonicalize(statement)));
        Path altered = Files.writeString(dir.resolve("altered.dsse"), envelope.toString());
        Path pem = NodeDsseCheck.pem(KEY.publicKey(), dir.resolve("pub.pem"));
        assertThat(NodeDsseCheck.check(altered, pem)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.output()).contains("signature verification failed");
        });
        Path other = NodeDsseCheck.pem(Ed25519Key.fromSeed(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}).publicKey(), dir.resolve("other.pem"));
        assertThat(NodeDsseCheck.check(f[0], other).status()).isEqualTo(1);
        assertThat(check(altered, KEY.publicKey()).problems()).singleElement().asString().contains("no signature verifies");
    }

    @Test
    void aSubjectChangedOnDiskOrARunLineRemovedIsNamed() throws Exception {
        Path[] f = fixture();
        Files.writeString(f[1], "built differently\n");
        assertThat(check(f[0], KEY.publicKey()).problems()).singleElement().asString()
                .contains(f[1].toString()).contains("sha256 on disk is");
        List<String> lines = Files.readAllLines(f[2]);
        Files.write(f[2], List.of(lines.get(0), lines.get(1), lines.get(3), lines.get(4), lines.get(5)));
        assertThat(check(f[0], KEY.publicKey()).problems()).anySatisfy(p -> assertThat(p).contains("(run run-a)"));
        Files.delete(f[1]);
        assertThat(check(f[0], KEY.publicKey()).problems()).anySatisfy(p -> assertThat(p).contains("cannot be read"));
    }

    @Test
    void otherRunsAppendedLaterDoNotDisturbARunsLines() throws Exception {
        Path[] f = fixture();
        Files.writeString(f[2], line("run-c", 0) + "\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(check(f[0], KEY.publicKey()).problems()).isEmpty();
    }

    @Test
    void aRecordedMissingOutputAWrongTypeOrAForeignBuildTypeFails() throws Exception {
        ObjectNode predicate = JSON.createObjectNode();
        predicate.putObject("buildDefinition").put("buildType", "https://example.org/other");
        ObjectNode details = predicate.putObject("runDetails");
        details.putObject("metadata").put("invocationId", "r");
        ObjectNode missing = details.putArray("byproducts").addObject().put("name", "/out/b");
        missing.putObject("annotations").put(InTotoAttestation.MISSING, "not found after the run");
        Path output = Files.writeString(dir.resolve("a"), "a");
        ObjectNode statement = InTotoAttestation.statement(List.of(InTotoAttestation.resource(output.toString(),
                InTotoAttestation.sha256(output))), InTotoAttestation.SLSA_PROVENANCE, predicate);
        Path envelope = Files.write(dir.resolve("m.dsse"), InTotoAttestation.sign(statement, KEY));
        assertThat(check(envelope, KEY.publicKey()).problems())
                .anySatisfy(p -> assertThat(p).contains("declared output /out/b was missing after the run"))
                .anySatisfy(p -> assertThat(p).contains("buildType is 'https://example.org/other'"));
        Path wrongType = Files.write(dir.resolve("t.dsse"), Dsse.sign(KEY, "application/json", Jcs.canonicalize(statement)));
        assertThat(check(wrongType, KEY.publicKey()).problems()).anySatisfy(p -> assertThat(p).contains("payloadType"));
    }

    @Test
    void aSymbolicLinkIsNeverHashedAsAnOutput() throws Exception {
        Path target = Files.writeString(dir.resolve("secret"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> InTotoAttestation.sha256(link))
                .hasMessageContaining("not a regular file (a symbolic link)");
    }
}
