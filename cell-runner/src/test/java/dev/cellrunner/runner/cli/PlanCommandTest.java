package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.runner.cell.CellPlan;
import dev.cellrunner.runner.cell.CellPlanner;
import dev.cellrunner.runner.cell.PlanDescription;
import dev.cellrunner.runner.cgroup.CgroupLayout;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.SpecReadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cell-runner plan}: what a cell would get on this host, or why it would be refused; nothing runs. */
class PlanCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CELL = """
            {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
             "spec": {"id": "plan-test", "lifetime": {"ttlSeconds": 60},
                      "authority": {"egressRules": [{"host": "198.51.100.10", "port": 443}],
                                    "filesystem": {"readOnly": ["/usr", "/etc"]},
                                    "syscalls": {"deny": ["chroot"]}},
                      "run": {"argv": ["/bin/echo", "planned"], "env": {"CI": "true"}, "timeoutMs": 5000,
                              "limits": {"pidsMax": 64}}}}
            """;

    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    private Result plan(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("plan", "--events", "jsonl:" + dir.resolve("trail.jsonl")));
        all.addAll(List.of(args));
        return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    private Path spec(String json) throws Exception {
        return Files.writeString(dir.resolve("cell.json"), json);
    }

    @Test
    void showsWhatWouldBeEnforcedAndRunsNothing() throws Exception {
        Path marker = dir.resolve("ran");
        Result result = plan(spec(CELL.replace("\"/bin/echo\", \"planned\"", "\"/bin/touch\", \"" + marker + "\"")).toString());

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.out()).contains("admitted: true", "argv: /bin/touch, " + marker, "workingDirectory: /",
                "CI: run.env", "killAfterMs: 5000", "egressRules[0]: 198.51.100.10 tcp port 443",
                "ip daddr . tcp dport @allow_ip4_tcp", "chroot (authority.syscalls.deny)", "enosys: clone3",
                "name: pidsMax", "heldBy: cgroup");
        assertThat(result.out()).as("the mount table the cell will get, a step a line").contains(
                "  - rbind host:/ -> cell:/\n", "  - setattr cell:/ ro,nosuid,nodev recursive\n", "  - pivot_root");
        assertThat(marker).as("plan must not run the command").doesNotExist();
    }

    @Test
    void jsonForToolsCarriesTheSameFacts() throws Exception {
        Result result = plan("--json", spec(CELL).toString());

        assertThat(result.status()).as(result.err()).isZero();
        JsonNode plan = JSON.readTree(result.out());
        assertThat(plan.path("admitted").asBoolean()).isTrue();
        assertThat(plan.path("executable").asText()).endsWith("/echo");
        List<String> names = new ArrayList<>();
        plan.path("environment").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("CI", "PATH", "TMPDIR");
        assertThat(plan.path("seccomp").path("eperm").toString()).contains("ptrace", "chroot");
        assertThat(plan.path("network").path("nftRuleset").asText()).contains("198.51.100.10 . 443");
        assertThat(plan.path("tempDir").asText()).as("the cell's own /tmp").isEqualTo("/tmp");
        assertThat(plan.path("mounts").path("program").toString()).as("the mount table the cell will get")
                .contains("rbind host:/ -> cell:/", "setattr cell:/ ro,nosuid,nodev recursive",
                        "bind scratch:/temp/tmp -> cell:/tmp", "pivot_root");
        assertThat(plan.path("network").path("hostEgress").asText()).startsWith("refused");
        Map<String, String> sources = new java.util.TreeMap<>();
        plan.path("limits").forEach(limit -> sources.put(limit.path("name").asText(),
                limit.path("value").asText() + " " + limit.path("source").asText()));
        assertThat(sources).containsEntry("pidsMax", "64 document").containsEntry("memoryMaxBytes", "1610612736 default")
                .containsEntry("tempMaxBytes", "1073741824 default");
        if (plan.path("landlock").path("abi").asInt() > 0) {
            assertThat(plan.path("landlock").path("rules").toString()).contains("/usr", "/etc");
        }
    }

    @Test
    void theRunnersOptionsChangeThePlanAsTheyWouldTheRun() throws Exception {
        Result result = plan("--json", "--allow-host-egress", "--default-memory-max", "none", "--default-temp-max", "64M",
                spec(CELL).toString());

        assertThat(result.status()).as(result.err()).isZero();
        JsonNode plan = JSON.readTree(result.out());
        assertThat(plan.path("network").path("hostEgress").asText()).startsWith("allowed");
        List<String> limits = new ArrayList<>();
        plan.path("limits").forEach(limit -> limits.add(limit.path("name").asText() + "=" + limit.path("value").asText()
                + " " + limit.path("source").asText()));
        assertThat(limits).containsExactly("pidsMax=64 document", "tempMaxBytes=67108864 default");
        assertThat(plan("--default-temp-max", "lots", spec(CELL).toString()).status()).isEqualTo(64);
    }

    @Test
    void aControlThatCannotBeEnforcedIsARefusalWithExit69() throws Exception {
        Result result = plan(spec(CELL.replace("\"env\": {\"CI\": \"true\"}", "\"env\": {}, \"secretDelivery\": \"env\"")
                .replace("\"egressRules\"", "\"secretRefs\": [\"PLAN_TEST_UNSET\"], \"egressRules\"")).toString());

        assertThat(result.status()).as(result.out() + result.err()).isEqualTo(69);
        assertThat(result.out()).contains("admitted: false", "control: authority.secretRefs",
                "CELLOS_SECRET_PLAN_TEST_UNSET is not set");
    }

    @Test
    void anInvalidDocumentExits65WithItsPointers() throws Exception {
        Result result = plan(spec(CELL.replace("\"port\": 443", "\"port\": 70000")).toString());

        assertThat(result.status()).isEqualTo(65);
        assertThat(result.err()).contains("/spec/authority/egressRules/0/port");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void secretValuesNeverAppearOnlyTheirNames() throws Exception {
        String document = CELL.replace("\"filesystem\": {\"readOnly\": [\"/usr\", \"/etc\"]},", "")
                .replace("\"egressRules\"", "\"secretRefs\": [\"NPM_TOKEN\"], \"egressRules\"");
        SpecReadResult.Valid valid = (SpecReadResult.Valid) CellSpecReader.read(document.getBytes(StandardCharsets.UTF_8));
        Map<String, String> runnerEnv = Map.of(CellPlanner.SECRET_PREFIX + "NPM_TOKEN", "s3cret-value-123");
        HostFacts host = new HostFacts(0, List.of(), new CgroupLayout(Optional.of(dir), Map.of()),
                Set.of("pids", "memory"), Path.of("/bin/true"), Set.of());

        CellPlan plan = CellPlanner.plan(valid.document(), valid.specDigest(), runnerEnv, Map.of(), host);
        JsonNode description = PlanDescription.of(plan, runnerEnv);

        assertThat(plan.environment()).containsEntry("NPM_TOKEN", "s3cret-value-123");
        assertThat(description.toString() + PlanDescription.text(description)).doesNotContain("s3cret-value-123");
        assertThat(description.path("environment").path("NPM_TOKEN").asText()).contains("secret", "value not shown");
    }
}
