package dev.cellrunner.events.attest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.events.Dsse;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.ExtensionNames;
import dev.cellrunner.events.Jcs;
import dev.cellrunner.events.RunLines;
import dev.cellrunner.events.TrailLines;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an attestation as {@code verify --attestation} does: the DSSE envelope and its signature by a
 * trusted key, the in-toto Statement v1 and its SLSA provenance v1 predicate, then every subject's digest
 * against the file on disk (for a trail subject, the named run's lines in that trail). A declared output
 * the attestation records as missing is a problem too.
 */
public final class AttestationCheck {
    /** {@code problems} empty: the attestation holds. {@code checked}: one line per subject that matched. */
    public record Report(JsonNode statement, List<String> checked, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private AttestationCheck() {
    }

    public static Report verify(byte[] envelopeJson, List<Ed25519Key.PublicKey> trusted, String buildType) {
        List<String> problems = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        Dsse.Envelope envelope;
        try {
            envelope = Dsse.Envelope.parse(envelopeJson);
        } catch (IOException | RuntimeException e) {
            problems.add("not a DSSE envelope: " + e.getMessage());
            return new Report(null, checked, problems);
        }
        if (!InTotoAttestation.PAYLOAD_TYPE.equals(envelope.payloadType())) {
            problems.add("payloadType is '" + envelope.payloadType() + "', not " + InTotoAttestation.PAYLOAD_TYPE);
        }
        if (envelope.verifiedBy(trusted) == null) {
            problems.add("no signature verifies with the given key(s) (keyid "
                    + envelope.signatures().stream().map(Dsse.Signature::keyid).toList() + ")");
            return new Report(null, checked, problems);
        }
        JsonNode statement;
        try {
            statement = Jcs.parse(envelope.payload());
        } catch (IOException e) {
            problems.add("the payload is not JSON: " + e.getMessage());
            return new Report(null, checked, problems);
        }
        expect(statement, "_type", InTotoAttestation.STATEMENT_TYPE, problems);
        expect(statement, "predicateType", InTotoAttestation.SLSA_PROVENANCE, problems);
        expect(statement.path("predicate").path("buildDefinition"), "buildType", buildType, problems);
        if (!statement.path("predicate").path("runDetails").path("metadata").path("invocationId").isTextual()) {
            problems.add("predicate.runDetails.metadata.invocationId (the run id) is missing");
        }
        JsonNode subjects = statement.path("subject");
        if (!subjects.isArray() || subjects.isEmpty()) {
            problems.add("the statement has no subject");
        }
        for (JsonNode subject : subjects) {
            checkSubject(subject, checked, problems);
        }
        for (JsonNode byproduct : statement.path("predicate").path("runDetails").path("byproducts")) {
            JsonNode missing = byproduct.path("annotations").path(InTotoAttestation.MISSING);
            if (!missing.isMissingNode()) {
                problems.add("declared output " + byproduct.path("name").asText() + " was missing after the run: "
                        + missing.asText());
            }
        }
        return new Report(statement, checked, problems);
    }

    private static void checkSubject(JsonNode subject, List<String> checked, List<String> problems) {
        String name = subject.path("name").asText(null);
        String expected = subject.path("digest").path("sha256").asText(null);
        if (name == null || expected == null || !expected.matches("[0-9a-f]{64}")) {
            problems.add("a subject lacks a name or a sha256 digest: " + subject);
            return;
        }
        String runId = subject.path("annotations").path(InTotoAttestation.TRAIL_RUN).asText(null);
        String actual;
        try {
            actual = runId == null ? InTotoAttestation.sha256(Path.of(name)) : runLines(Path.of(name), runId).sha256();
        } catch (IOException e) {
            problems.add(name + ": cannot be read: " + e.getMessage());
            return;
        }
        if (!actual.equals(expected)) {
            problems.add(name + (runId == null ? "" : " (run " + runId + ")") + ": sha256 on disk is " + actual
                    + ", the attestation says " + expected);
        } else {
            checked.add(name + (runId == null ? "" : " (run " + runId + ")") + ": sha256 " + actual + " matches");
        }
    }

    /** The digest of the lines of run {@code runId} in a JSONL trail, in file order. */
    static RunLines.Digest runLines(Path trail, String runId) throws IOException {
        RunLines lines = new RunLines();
        try (InputStream in = Files.newInputStream(trail)) {
            TrailLines.read(in, line -> {
                if (!line.terminated() || line.overlong()) {
                    return;
                }
                try {
                    if (runId.equals(Jcs.parse(line.bytes()).path(ExtensionNames.RUN_ID).asText(null))) {
                        lines.add(line.bytes());
                    }
                } catch (IOException | RuntimeException notAnEvent) {
                    // a line that is no event belongs to no run
                }
            });
        }
        return lines.digest();
    }

    private static void expect(JsonNode node, String field, String value, List<String> problems) {
        if (!value.equals(node.path(field).asText(null))) {
            problems.add(field + " is " + (node.has(field) ? "'" + node.get(field).asText() + "'" : "missing")
                    + ", not " + value);
        }
    }
}
