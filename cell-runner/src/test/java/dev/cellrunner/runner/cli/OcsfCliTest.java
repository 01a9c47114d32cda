package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.events.ocsf.OcsfMapper;
import dev.cellrunner.events.ocsf.OcsfSchema;
import dev.cellrunner.events.ocsf.OcsfValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real cells of every outcome (exit 0, exit 3, lifetime timeout, missing executable, refused) write an
 * {@code ocsf-jsonl:} trail beside the signed one; every record validates against OCSF 1.8.0, and
 * {@code export --format ocsf} of the signed trail gives the same records, refusing a tampered run.
 */
class OcsfCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OcsfValidator VALIDATOR = new OcsfValidator(OcsfSchema.load(OcsfMapper.SCHEMA_VERSION));

    @TempDir
    Path dir;

    private MainProcess.Result cli(String... args) throws Exception {
        return MainProcess.run(dir, Map.of(), args);
    }

    private Path spec(String id, String body) throws IOException {
        return Files.writeString(dir.resolve(id + ".json"), """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "%s", %s}}
                """.formatted(id, body));
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    @Test
    void everyOutcomeGivesValidOcsfRecordsLiveAndByExport() throws Exception {
        Path keys = dir.resolve("keys");
        assertThat(cli("keygen", "--out", keys.toString()).status()).isZero();
        String key = keys.resolve("event-signing.key").toString();
        String pub = keys.resolve("event-signing.pub").toString();
        Path ocsf = dir.resolve("live.ocsf.jsonl");
        Path trail = dir.resolve("trail.jsonl");
        record Case(String id, String body, int status) {
        }
        List<Case> cases = List.of(
                new Case("ocsf-ok", "\"lifetime\": {\"ttlSeconds\": 20}, \"run\": {\"argv\": [\"/bin/echo\", \"hi there\"]}", 0),
                new Case("ocsf-exit3", "\"lifetime\": {\"ttlSeconds\": 20}, \"run\": {\"argv\": [\"/bin/sh\", \"-c\", \"exit 3\"]}", 3),
                new Case("ocsf-timeout", "\"lifetime\": {\"ttlSeconds\": 1}, \"run\": {\"argv\": [\"/bin/sleep\", \"20\"]}", 124),
                new Case("ocsf-missing", "\"lifetime\": {\"ttlSeconds\": 20}, \"run\": {\"argv\": [\"/nonexistent/tool\"]}", 127),
                new Case("ocsf-refused", "\"lifetime\": {\"ttlSeconds\": 20}, \"authority\": {\"filesystem\": "
                        + "{\"readWrite\": [\"" + dir.resolve("absent/out") + "\"]}}, \"run\": {\"argv\": [\"/bin/true\"]}", 69));
        for (Case c : cases) {
            MainProcess.Result run = cli("run", "--signing-key", key, "--events", "ocsf-jsonl:" + ocsf, "--events", "jsonl:" + trail,
                    spec(c.id(), c.body()).toString());
            assertThat(run.status()).as(c.id() + ": " + run.err()).isEqualTo(c.status());
        }

        List<JsonNode> live = lines(ocsf);
        Set<String> kinds = new TreeSet<>();
        for (JsonNode record : live) {
            OcsfValidator.Result result = VALIDATOR.validate(record);
            assertThat(result.errors()).as("OCSF errors of %s", record).isEmpty();
            kinds.add(record.at("/actor/process/sandbox").asText() + " " + record.get("type_uid").asText()
                    + " " + record.path("status").asText("-"));
        }
        assertThat(kinds).contains("ocsf-ok 100702 Success", "ocsf-exit3 100702 Failure",
                "ocsf-timeout 100702 Failure", "ocsf-missing 100702 Failure", "ocsf-refused 100799 Failure",
                "ocsf-refused 501901 Failure", "ocsf-ok 501901 Success", "ocsf-ok 100701 -");
        JsonNode launch = live.stream().filter(r -> r.get("type_uid").asInt() == 100701).findFirst().orElseThrow();
        assertThat(launch.at("/process/cmd_line").asText()).isEqualTo("/bin/echo 'hi there'");

        Path exported = dir.resolve("exported.jsonl");
        MainProcess.Result export = cli("export", "--format", "ocsf", "--key", pub, "--out", exported.toString(), trail.toString());
        assertThat(export.status()).as(export.err()).isZero();
        assertThat(export.err()).contains("5 run(s) exported");
        assertThat(lines(exported)).isEqualTo(live);

        MainProcess.Result noKey = cli("export", "--format", "ocsf", trail.toString());
        assertThat(noKey.status()).isEqualTo(ExportCommand.ORIGIN_NOT_PROVEN);
        assertThat(noKey.err()).contains("origin not proven");
        assertThat(noKey.out().lines().count()).isEqualTo(live.size());

        List<String> tampered = new ArrayList<>(Files.readAllLines(trail));
        int completed = 4; // the first run's completed event
        assertThat(tampered.get(completed)).contains("command.v1.completed");
        tampered.set(completed, tampered.get(completed).replace("\"exitCode\":0", "\"exitCode\":1"));
        Path bad = Files.write(dir.resolve("tampered.jsonl"), tampered);
        MainProcess.Result refused = cli("export", "--format", "ocsf", "--key", pub, bad.toString());
        assertThat(refused.status()).isEqualTo(ExportCommand.REFUSED_SOME);
        assertThat(refused.err()).contains("refused run").contains("(cell ocsf-ok)").contains("bad signature")
                .contains("4 run(s) exported");
        assertThat(refused.out().lines().map(l -> l.contains("\"sandbox\":\"ocsf-ok\""))).doesNotContain(true);

        assertThat(cli("export", "--format", "cef", trail.toString()).status()).isEqualTo(64);
        assertThat(cli("run", "--events", "ocsf-jsonl:", spec("x", "\"lifetime\": {\"ttlSeconds\": 5}, "
                + "\"run\": {\"argv\": [\"/bin/true\"]}").toString()).status()).isEqualTo(64);
    }
}
