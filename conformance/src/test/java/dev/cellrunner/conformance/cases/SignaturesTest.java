package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.conformance.harness.CellEvent;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventSchemas;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.Trail;
import dev.cellrunner.conformance.harness.TrailVerifier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** CONTRACT.md §3: every event signed (DSSE, Ed25519) and hash-chained; {@code verify} detects tampering. */
@ContractSection("§3 signatures and chain")
@ExtendWith(HarnessExtension.class)
class SignaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Ways to damage a trail; RESERIALISED is harmless by contract and must still verify. */
    enum Change {
        UNCHANGED(true), RESERIALISED(true), DATA_ALTERED(false), LINES_SWAPPED(false), MIDDLE_DELETED(false),
        LINE_DUPLICATED(false), DESTROYED_TRUNCATED(false);

        final boolean stillVerifies;

        Change(boolean stillVerifies) {
            this.stillVerifies = stillVerifies;
        }
    }

    @Test
    @DisplayName("started data matches started.schema.json (signingKeyId is a keyid)")
    void startedMatchesItsSchema(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.cell("crconf-started-schema", "/usr/bin/true"));

        EventSchemas schemas = EventSchemas.load(h.runner().repositoryRoot());
        assertThat(schemas.dataProblems(result.trail().only(EventType.STARTED))).isEmpty();
    }

    @Test
    @DisplayName("without a configured key: per-run key published in started, every event chained and signed (checked by the suite)")
    void perRunKeySignsEveryEvent(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.cell("crconf-signed", "/usr/bin/true"));

        String keyId = result.trail().data(EventType.STARTED).path("signingKeyId").asText();
        byte[] key = publishedKey(result.trail().data(EventType.STARTED), keyId)
                .orElseThrow(() -> new AssertionError("no value in started.data is the public key of signingKeyId "
                        + keyId + ": " + result.trail().data(EventType.STARTED)));
        assertThat(TrailVerifier.problems(result.trail().events(), key)).isEmpty();
    }

    @Test
    @DisplayName("keygen writes a 0600 private key and a public key; --signing-key signs with it; verify --key accepts it and rejects another key")
    void keygenAndSigningKey(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        KeyFiles otherKeys = KeyFiles.generate(h, "other-keys");
        Path privateKey = keys.privateKey();
        assertThat(Files.getPosixFilePermissions(privateKey)).as("mode of %s", privateKey)
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        Path publicKey = keys.publicKey();
        byte[] raw = TrailVerifier.rawPublicKey(Files.readAllBytes(publicKey))
                .orElseThrow(() -> new AssertionError("cannot read an Ed25519 public key from " + publicKey));

        Path spec = h.writeSpec(Spec.cell("crconf-keyed", "/usr/bin/true"));
        RunResult result = h.call(RunnerCall.of("run", "--signing-key", privateKey.toString(), "--events",
                "jsonl:" + h.file("keyed.jsonl"), spec.toString()));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<CellEvent> events = Trail.read(h.file("keyed.jsonl")).events();
        assertThat(events.get(0).data().path("signingKeyId").asText()).isEqualTo(TrailVerifier.keyId(raw));
        assertThat(TrailVerifier.problems(events, raw)).isEmpty();

        RunResult good = h.call(RunnerCall.of("verify", "--key", publicKey.toString(), h.file("keyed.jsonl").toString()));
        RunResult wrong = h.call(RunnerCall.of("verify", "--key", otherKeys.publicKey().toString(),
                h.file("keyed.jsonl").toString()));
        assertThat(good.exitCode()).as(good.describe()).isZero();
        assertThat(wrong.exitCode()).as("verify with a key that did not sign\n%s", wrong.describe()).isNotZero();
    }

    @Test
    @DisplayName("the CellOS variables CELLOS_EVENT_SIGNING_KEY_BASE64 + CELLOS_EVENT_SIGNING_KID sign the trail; the seed appears nowhere")
    void cellOsSigningVariables(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        KeyFiles.CellOsKey key = KeyFiles.cellOsKey(h, "cellos-key");

        RunResult result = h.call(key.applyTo(RunnerCall.run(h.writeSpec(Spec.cell("crconf-cellos-key", "/usr/bin/true")))));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(TrailVerifier.problems(result.trail().events(), key.rawPublicKey())).isEmpty();
        assertThat(Files.readString(result.trail().file()) + result.stderr()).doesNotContain(key.seed());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Change.class)
    @DisplayName("cell-runner verify on a trail")
    void verifyDetectsTampering(Change change, Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.shell("crconf-tamper", "echo hi; exit 3"));
        assertThat(result.trail().events()).as(result.describe()).hasSizeGreaterThanOrEqualTo(5);
        Path trail = h.write("changed.jsonl", String.join("\n", change(Files.readAllLines(result.trail().file()), change)) + "\n");

        // A rejection only counts when verify accepts the same trail untouched. No --key: the run's own
        // published key, so "intact, origin not proven" (exit 3) is the best outcome.
        RunResult baseline = h.call(RunnerCall.of("verify", result.trail().file().toString()));
        assertThat(baseline.exitCode()).as("verify of the untouched trail\n%s", baseline.describe()).isEqualTo(3);
        RunResult verify = h.call(RunnerCall.of("verify", trail.toString()));

        if (change.stillVerifies) {
            assertThat(verify.exitCode()).as("verify of a %s trail\n%s", change, verify.describe()).isEqualTo(3);
            assertThat(verify.stdoutText().lines().count()).as("one line per run").isEqualTo(1);
        } else {
            assertThat(verify.exitCode()).as("verify of a trail with %s\n%s", change, verify.describe()).isIn(1, 2);
        }
    }

    private static List<String> change(List<String> lines, Change change) {
        List<String> out = new ArrayList<>(lines);
        switch (change) {
            case UNCHANGED -> { }
            case RESERIALISED -> out.replaceAll(SignaturesTest::reserialise);
            case DATA_ALTERED -> out.set(out.size() - 2, out.get(out.size() - 2).replace("\"exitCode\":3", "\"exitCode\":0"));
            case LINES_SWAPPED -> out.add(1, out.remove(2));
            case MIDDLE_DELETED -> out.remove(2);
            case LINE_DUPLICATED -> out.add(2, out.get(2));
            case DESTROYED_TRUNCATED -> out.remove(out.size() - 1);
        }
        if (change == Change.DATA_ALTERED) {
            assertThat(out).as("the altered trail differs").isNotEqualTo(lines);
        }
        return out;
    }

    /** The same event with data members in reverse order and spaces after separators: what a log pipeline does. */
    private static String reserialise(String line) {
        try {
            ObjectNode event = (ObjectNode) JSON.readTree(line);
            ObjectNode reversed = event.objectNode();
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            event.path("data").fields().forEachRemaining(fields::add);
            for (int i = fields.size() - 1; i >= 0; i--) {
                reversed.set(fields.get(i).getKey(), fields.get(i).getValue());
            }
            event.set("data", reversed);
            return event.toString().replace("\",\"", "\", \"").replace("\":", "\": ");
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    /** A string value in started.data whose decoding is the 32-byte key with that keyid. */
    private static Optional<byte[]> publishedKey(JsonNode data, String keyId) {
        List<String> texts = new ArrayList<>();
        collectTexts(data, texts);
        return texts.stream().map(t -> TrailVerifier.rawPublicKey(t.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .flatMap(Optional::stream)
                .filter(raw -> TrailVerifier.keyId(raw).equals(keyId))
                .findFirst();
    }

    private static void collectTexts(JsonNode node, List<String> texts) {
        if (node.isTextual()) {
            texts.add(node.asText());
        }
        for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
            collectTexts(children.next(), texts);
        }
    }
}
