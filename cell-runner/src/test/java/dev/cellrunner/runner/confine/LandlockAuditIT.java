package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.testing.KernelAudit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Landlock's own audit records (Linux 6.15, ABI 7) reach the trail: what the workload was refused, with
 * path and rights, in {@code completed.landlockDenials}, and {@code policy suggest --filesystem} proposes
 * the paths. The kernel writes such records only while its audit is on, so the test holds it on
 * ({@link KernelAudit}) and gives it back as it was.
 */
class LandlockAuditIT extends CellRunnerCase {
    @Test
    void aReadOutsideTheDeclaredPathsIsRecordedFromTheKernelAndSuggestProposesIt() throws Exception {
        assumeTrue(Landlock.abi() >= 7, "SKIP: landlock ABI " + Landlock.abi() + " writes no audit records (7 does)");
        ObjectNode document = CellRunnerCli.cell("/bin/sh", "-c", "cat /etc/hostname; cat /etc/hostname; echo done");
        ObjectNode filesystem = ((ObjectNode) document.get("spec")).putObject("authority").putObject("filesystem");
        filesystem.putArray("readOnly").add("/usr").add("/bin").add("/lib").add("/lib64");
        CellRunnerCli.Run run;
        try (KernelAudit audit = KernelAudit.hold()) {
            run = cli.run(document);
        }
        assertThat(run.stdout()).as(run.toString()).isEqualTo("done\n");
        assertThat(run.stderr()).contains("/etc/hostname: Permission denied");
        JsonNode denials = run.event("completed").path("landlockDenials");
        assertThat(denials.path("recorded").asBoolean()).as("%s", denials).isTrue();
        List<String> seen = new ArrayList<>();
        denials.path("entries").forEach(e -> seen.add(e.path("path").asText() + " " + e.path("access").get(0).asText()
                + " x" + e.path("count").asLong()));
        assertThat(seen).as("%s", denials).contains("/etc/hostname fs.read_file x2");
        assertThat(denials.toString()).as("the runner's own probes before the exec are not the cell's denials")
                .doesNotContain("\"/\"");

        Process suggest = new ProcessBuilder(CellRunnerCli.launcher().toString(), "policy", "suggest", "--filesystem",
                cli.scratch().resolve(document.get("spec").get("id").asText() + ".events.jsonl").toString())
                .redirectErrorStream(false).start();
        String out = new String(suggest.getInputStream().readAllBytes());
        assertThat(suggest.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("\"readOnly\":[\"/etc/hostname\"");
    }
}
