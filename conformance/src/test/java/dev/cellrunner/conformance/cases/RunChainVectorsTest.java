package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.RunnerUnderTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The published run-chain vectors (conformance/vectors/run-chain) through the CLI under test: the intact
 * files verify with the vector key, and each tampered case exits 1 with the findings expected.json lists.
 */
@ContractSection("§3 run chain: published vectors")
class RunChainVectorsTest {
    private static final RunnerUnderTest RUNNER = RunnerUnderTest.fromEnvironment();
    private static final Path VECTORS = RUNNER.repositoryRoot().resolve("conformance/vectors");
    private static final Path DIR = VECTORS.resolve("run-chain");

    @Test
    void eachCaseGivesItsStatusAndFindings() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(DIR.resolve("expected.json").toFile());
        assertThat(cases.has("intact")).as("the vectors have an intact case to prove the precondition").isTrue();
        for (Iterator<Map.Entry<String, JsonNode>> it = cases.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            List<String> args = new ArrayList<>(List.of("verify", "--key", VECTORS.resolve("signing-key.pub").toString()));
            c.getValue().get("files").forEach(f -> args.add(f.asText()));
            Process process = new ProcessBuilder(RUNNER.command(args)).directory(DIR.toFile()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> findings = new ArrayList<>();
            c.getValue().get("findingsContain").forEach(f -> findings.add(f.asText()));
            assertThat(process.exitValue()).as("%s: %s", c.getKey(), out).isEqualTo(findings.isEmpty() ? 0 : 1);
            assertThat(out.lines().filter(l -> l.contains(": ok, ")).count()).as("%s: every run alone is intact\n%s",
                    c.getKey(), out).isEqualTo(out.lines().filter(l -> l.startsWith("run ")).count());
            for (String finding : findings) {
                assertThat(out).as(c.getKey()).contains("BAD: run chain: ").contains(finding);
            }
        }
    }
}
