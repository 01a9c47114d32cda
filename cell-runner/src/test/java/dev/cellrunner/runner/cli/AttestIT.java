package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.events.Dsse;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.attest.AttestationCheck;
import dev.cellrunner.events.attest.InTotoAttestation;
import dev.cellrunner.events.attest.NodeDsseCheck;
import dev.cellrunner.runner.cell.Provenance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run --attest} on real cells: the envelope verifies with our checker and with Sigstore's
 * JavaScript verifier, its subjects are the declared outputs as the cell left them (or the run's lines in
 * its trail), its parameters are the document's and the plan's, and a missing output is recorded and fails.
 */
class AttestIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path key;
    private Ed25519Key.PublicKey publicKey;
    private Path pub;

    @BeforeEach
    void keys() throws Exception {
        Path keys = dir.resolve("keys");
        assertThat(cli("keygen", "--out", keys.toString()).status()).isZero();
        key = keys.resolve("event-signing.key");
        pub = keys.resolve("event-signing.pub");
        publicKey = KeyFiles.readPublic(pub);
    }

    private MainProcess.Result cli(String... args) throws Exception {
        return MainProcess.launcher(dir, args);
    }

    private Path spec(String id, String run) throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        // the cell runs as a uid allocated to it, which writes its outputs here
        Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return Files.writeString(dir.resolve(id + ".json"), """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "%s", "lifetime": {"ttlSeconds": 20},
                          "authority": {"filesystem": {"readWrite": ["%s"]}},
                          "run": %s}}
                """.formatted(id, out, run));
    }

    private static JsonNode statement(Path envelope) throws IOException {
        return JSON.readTree(Dsse.Envelope.parse(Files.readAllBytes(envelope)).payload());
    }

    private static JsonNode confinement(Path trail) throws IOException {
        for (String line : Files.readAllLines(trail)) {
            JsonNode event = JSON.readTree(line);
            if (event.path("type").asText().endsWith(".confinement")) {
                return event;
            }
        }
        throw new AssertionError("no confinement event in " + trail);
    }

    private AttestationCheck.Report check(Path envelope) throws IOException {
        return AttestationCheck.verify(Files.readAllBytes(envelope), List.of(publicKey), Provenance.BUILD_TYPE);
    }

    @Test
    void anAttestedRunNamesItsOutputsItsPolicyAndWhatItExecuted() throws Exception {
        Path output = dir.resolve("out/a.txt");
        Path doc = spec("attest-outputs", """
                {"argv": ["/bin/sh", "-c", "echo built > %s"], "outputs": ["%s"]}""".formatted(output, output));
        Path trail = dir.resolve("trail.jsonl");
        Path envelope = dir.resolve("attestation.dsse");
        MainProcess.Result run = cli("run", "--attest", envelope.toString(), "--signing-key", key.toString(),
                "--events", "jsonl:" + trail, doc.toString());
        assertThat(run.status()).as(run.err()).isZero();

        assertThat(check(envelope).problems()).isEmpty();
        MainProcess.Result verified = cli("verify", "--attestation", envelope.toString(), "--key", pub.toString());
        assertThat(verified.status()).as(verified.out() + verified.err()).isZero();
        assertThat(verified.out()).contains("subject " + output + ": sha256 ").contains(": ok, signed by a given key");
        assertThat(cli("verify", "--attestation", envelope.toString()).status()).as("no key").isEqualTo(64);
        NodeDsseCheck.Result external = NodeDsseCheck.check(envelope, NodeDsseCheck.pem(publicKey, dir.resolve("pub.pem")));
        assertThat(external.output()).isEqualTo("ok https://slsa.dev/provenance/v1 " + output);

        JsonNode statement = statement(envelope);
        assertThat(statement.at("/subject/0/digest/sha256").asText()).isEqualTo(InTotoAttestation.sha256(output));
        JsonNode started = JSON.readTree(Files.readAllLines(trail).get(0));
        JsonNode build = statement.at("/predicate/buildDefinition");
        assertThat("sha256:" + build.at("/externalParameters/document/digest/sha256").asText())
                .isEqualTo(started.at("/data/specDigest").asText());
        assertThat(build.at("/externalParameters/argv/0").asText()).isEqualTo("/bin/sh");
        assertThat(build.at("/internalParameters/policy/landlock/rules").isArray()).isTrue();
        assertThat(build.at("/internalParameters/policy/seccomp/eperm").isArray()).isTrue();
        assertThat(build.at("/internalParameters/seccompProgramSha256").asText()).matches("[0-9a-f]{64}");
        // the identity the cell really ran as: the uid allocated to it, as confinement observed it and as
        // the output's owner shows
        JsonNode identity = confinement(trail).at("/data/identity");
        int uid = identity.at("/requested/uid").asInt();
        assertThat(identity.at("/requested/source").asText()).isEqualTo("allocated");
        assertThat(identity.at("/observed/uid").asText()).isEqualTo((uid + " ").repeat(4).strip());
        assertThat(Files.getAttribute(output, "unix:uid")).isEqualTo(uid);
        assertThat(build.at("/internalParameters/policy/identity").asText()).startsWith("uid " + uid + " allocated from ");
        List<String> executed = new ArrayList<>();
        for (JsonNode dependency : build.get("resolvedDependencies")) {
            Path file = Path.of(dependency.get("name").asText());
            assertThat(dependency.at("/digest/sha256").asText()).isEqualTo(InTotoAttestation.sha256(file.toRealPath()));
            executed.add(file.toString());
        }
        assertThat(executed).hasSizeGreaterThanOrEqualTo(2).contains("/bin/sh");
        JsonNode details = statement.at("/predicate/runDetails");
        assertThat(details.at("/metadata/invocationId").asText()).isEqualTo(started.get("runid").asText());
        assertThat(details.at("/byproducts/0/annotations").get(InTotoAttestation.TRAIL_RUN).asText())
                .isEqualTo(started.get("runid").asText());
        assertThat(details.at("/byproducts/1/annotations/exitStatus").asInt()).isZero();

        Files.writeString(output, "changed afterwards\n");
        assertThat(check(envelope).problems()).singleElement().asString().contains("sha256 on disk is");
        MainProcess.Result changed = cli("verify", "--attestation", envelope.toString(), "--key", pub.toString());
        assertThat(changed.status()).isEqualTo(1);
        assertThat(changed.out()).contains("BAD: " + output + ": sha256 on disk is");
    }

    @Test
    void aMissingOutputIsRecordedAndFailsTheRun() throws Exception {
        Path present = dir.resolve("out/a.txt");
        Path absent = dir.resolve("out/never.txt");
        Path doc = spec("attest-missing", """
                {"argv": ["/bin/sh", "-c", "echo built > %s"], "outputs": ["%s", "%s"]}""".formatted(present, present, absent));
        Path envelope = dir.resolve("attestation.dsse");
        MainProcess.Result run = cli("run", "--attest", envelope.toString(), "--signing-key", key.toString(),
                "--events", "jsonl:" + dir.resolve("trail.jsonl"), doc.toString());
        assertThat(run.status()).isEqualTo(Attestation.MISSING_OUTPUT);
        assertThat(run.err()).contains("declared output " + absent + ": not found after the run");
        assertThat(statement(envelope).get("subject")).hasSize(1);
        assertThat(check(envelope).problems()).singleElement().asString()
                .contains("declared output " + absent + " was missing after the run");
    }

    @Test
    void withoutOutputsTheSubjectIsTheRunsLinesInItsTrailWhateverIsAppendedLater() throws Exception {
        Path doc = spec("attest-trail", "{\"argv\": [\"/bin/true\"]}");
        Path trail = dir.resolve("trail.jsonl");
        Path envelope = dir.resolve("attestation.dsse");
        assertThat(cli("run", "--attest", envelope.toString(), "--signing-key", key.toString(),
                "--events", "jsonl:" + trail, doc.toString()).status()).isZero();
        assertThat(cli("run", "--signing-key", key.toString(), "--events", "jsonl:" + trail, doc.toString()).status())
                .isZero();
        JsonNode subject = statement(envelope).at("/subject/0");
        assertThat(subject.get("name").asText()).isEqualTo(trail.toString());
        assertThat(subject.at("/annotations").get("cellrunner.dev/lines").asInt()).isEqualTo(6);
        assertThat(check(envelope).problems()).isEmpty();

        List<String> lines = new ArrayList<>(Files.readAllLines(trail));
        lines.remove(2);
        Files.write(trail, lines);
        assertThat(check(envelope).problems()).singleElement().asString().contains("(run ");
    }

    @Test
    void attestingNeedsOneDocumentAndAJsonlTrail() throws Exception {
        Path doc = spec("attest-usage", "{\"argv\": [\"/bin/true\"]}");
        MainProcess.Result noTrail = cli("run", "--attest", dir.resolve("a.dsse").toString(), "--events", "none",
                doc.toString());
        assertThat(noTrail.status()).isEqualTo(64);
        assertThat(noTrail.err()).contains("needs a jsonl:PATH event sink");
        MainProcess.Result two = cli("run", "--attest", dir.resolve("a.dsse").toString(), "--events",
                "jsonl:" + dir.resolve("t.jsonl"), doc.toString(), doc.toString());
        assertThat(two.status()).isEqualTo(64);
        assertThat(Files.exists(dir.resolve("a.dsse"))).isFalse();
    }
}
