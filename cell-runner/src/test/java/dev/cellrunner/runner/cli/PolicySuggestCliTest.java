package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code policy suggest} on signed trails written through the real EventTrail: the recorded golden
 * cases come out the same through the command, only runs that verify are used (a tampered run is
 * refused and named), {@code --cell} picks runs, and {@code --merge --out} writes a new document that
 * validates and is enforced, never over an existing file.
 */
class PolicySuggestCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GOLDEN = Path.of("src/test/resources/learn/golden");

    @TempDir
    Path dir;
    private KeyFiles.Written keys;
    private Path trail;

    @BeforeEach
    void keys() throws IOException {
        keys = KeyFiles.writeNewPair(dir.resolve("keys"));
        trail = dir.resolve("trail.jsonl");
    }

    /** One complete run of {@code cellId} whose network_enforcement carries {@code records}. */
    private String writeRun(String cellId, JsonNode records) throws Exception {
        String runId = UUID.randomUUID().toString();
        SigningKey key = new SigningKey(KeyFiles.readPrivate(keys.privateKey()), false, null);
        try (EventTrail events = new EventTrail(new CellEventFactory(new RunIdentity("testhost", cellId, runId, null),
                Clock.systemUTC()), new ChainSigner(key), List.of(new JsonlSink(trail)), message -> { })) {
            ObjectNode started = JSON.createObjectNode().put("signingKeyId", key.keyId())
                    .put("signingPublicKey", key.publicKey().base64Url());
            events.emit(EventTypes.STARTED, started);
            events.emit(EventTypes.NETWORK_POLICY, JSON.createObjectNode().put("egressMode", "audit"));
            events.emit(EventTypes.CONFINEMENT, JSON.createObjectNode());
            events.emit(EventTypes.NETWORK_ENFORCEMENT, ((ObjectNode) records.deepCopy()).put("egressMode", "audit"));
            events.emit(EventTypes.COMMAND_COMPLETED, JSON.createObjectNode().put("exitCode", 0));
            events.emit(EventTypes.DESTROYED, JSON.createObjectNode().put("outcome", "succeeded").put("terminalState", "clean"));
            events.sync();
        }
        return runId;
    }

    private JsonNode golden(String name) throws IOException {
        return JSON.readTree(GOLDEN.resolve(name + ".records.json").toFile());
    }

    private MainProcess.Result suggest(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("policy", "suggest", "--key", keys.publicKey().toString()));
        all.addAll(List.of(args));
        return MainProcess.run(dir, Map.of(), all.toArray(String[]::new));
    }

    @Test
    void theCommandPrintsTheGoldenRulesForASignedTrailAndCellPicksRuns() throws Exception {
        writeRun("build-a", golden("wildcards").get(0));
        writeRun("build-b", golden("cname-chain").get(0));

        MainProcess.Result onlyA = suggest("--cell", "build-a", trail.toString());
        assertThat(onlyA.status()).as(onlyA.err()).isZero();
        assertThat(onlyA.out()).isEqualTo(Files.readString(GOLDEN.resolve("wildcards.rules.json")));
        assertThat(onlyA.err()).contains("1 verified run(s) of cell build-a; 0 refused");

        MainProcess.Result onlyB = suggest("--cell", "build-b", trail.toString());
        assertThat(onlyB.out()).isEqualTo(Files.readString(GOLDEN.resolve("cname-chain.rules.json")));

        MainProcess.Result wide = suggest("--cell", "build-a", "--wildcard-after", "2", trail.toString());
        assertThat(wide.out()).contains("{\"host\":\"*.example.net\",\"port\":443,\"protocol\":\"tcp\"}")
                .doesNotContain("one.example.net");
    }

    @Test
    void aTamperedRunIsRefusedAndNamedAndNothingOfItIsUsed() throws Exception {
        writeRun("build-a", golden("cname-chain").get(0));
        String tampered = writeRun("build-a", golden("udp").get(0));
        List<String> lines = Files.readAllLines(trail);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(tampered) && lines.get(i).contains("network_enforcement")) {
                lines.set(i, lines.get(i).replace("203.0.113.5", "203.0.113.6"));
            }
        }
        Files.write(trail, lines);

        MainProcess.Result result = suggest(trail.toString());
        assertThat(result.status()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("refused").contains(tampered).contains("1 verified run(s); 1 refused");
        assertThat(result.out()).isEqualTo(Files.readString(GOLDEN.resolve("cname-chain.rules.json")));

        Path document = Files.writeString(dir.resolve("cell.json"), "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\","
                + "\"spec\":{\"id\":\"build-a\",\"lifetime\":{\"ttlSeconds\":60},\"run\":{\"argv\":[\"/bin/true\"]}}}");
        MainProcess.Result merge = suggest("--merge", document.toString(), "--out", dir.resolve("new.json").toString(),
                trail.toString());
        assertThat(merge.status()).isEqualTo(1);
        assertThat(dir.resolve("new.json")).as("nothing is written from a trail with a refused run").doesNotExist();
    }

    @Test
    void mergeWritesANewEnforcedDocumentThatValidatesAndNeverOverwrites() throws Exception {
        writeRun("build-a", golden("ipv6").get(0));
        String original = """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "build-a", "lifetime": {"ttlSeconds": 60},
                  "authority": {"egressMode": "audit", "egressRules": [{"host": "api.example.com", "port": 443}]},
                  "run": {"argv": ["/bin/true"]}}}
                """;
        Path document = Files.writeString(dir.resolve("cell.json"), original);
        Path merged = dir.resolve("enforced.json");

        MainProcess.Result result = suggest("--merge", document.toString(), "--out", merged.toString(), trail.toString());
        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.out()).isEmpty();
        assertThat(Files.readString(document)).as("the document itself is never changed").isEqualTo(original);
        JsonNode authority = JSON.readTree(merged.toFile()).path("spec").path("authority");
        assertThat(authority.has("egressMode")).as("enforced: %s", authority).isFalse();
        assertThat(authority.path("egressRules").toString()).isEqualTo("[{\"host\":\"api.example.com\",\"port\":443},"
                + "{\"host\":\"2001:db8::99\",\"port\":8080,\"protocol\":\"tcp\"}]");
        assertThat(result.err()).contains("1 egress rule(s) added, 1 already present", "egressMode \"audit\" removed");
        MainProcess.Result validate = MainProcess.run(dir, Map.of(), "validate", merged.toString());
        assertThat(validate.status()).as(validate.err()).isZero();

        MainProcess.Result again = suggest("--merge", document.toString(), "--out", merged.toString(), trail.toString());
        assertThat(again.status()).isEqualTo(64);
        assertThat(again.err()).contains("exists");
        MainProcess.Result inPlace = suggest("--merge", document.toString(), "--out", document.toString(), trail.toString());
        assertThat(inPlace.status()).isEqualTo(64);
        assertThat(Files.readString(document)).isEqualTo(original);
    }
}
