package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.ocsf.OcsfMapper;
import dev.cellrunner.events.ocsf.OcsfSchema;
import dev.cellrunner.events.ocsf.OcsfValidator;
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
        List<String> seen = recordedPaths(denials);
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

    /**
     * With a rule on the cell's /proc, PID 1 makes the domain (under the launch thread's name, with its own
     * pid): its records are still the cell's, and PID 1's own probe before the exec is not among them.
     */
    @Test
    void theDomainPid1MakesIsRecordedAsTheCells() throws Exception {
        assumeTrue(Landlock.abi() >= 7, "SKIP: landlock ABI " + Landlock.abi() + " writes no audit records (7 does)");
        ObjectNode document = CellRunnerCli.cell("/bin/sh", "-c", "cat /etc/hostname; grep -c NSpid /proc/self/status");
        ObjectNode filesystem = ((ObjectNode) document.get("spec")).putObject("authority").putObject("filesystem");
        filesystem.putArray("readOnly").add("/usr").add("/bin").add("/lib").add("/lib64").add("/proc");
        CellRunnerCli.Run run;
        try (KernelAudit audit = KernelAudit.hold()) {
            run = cli.run(document);
        }
        assertThat(run.stdout()).as(run.toString()).isEqualTo("1\n");
        assertThat(run.event("confinement").path("landlock").path("madeBy").asText()).isEqualTo("pid1");
        JsonNode denials = run.event("completed").path("landlockDenials");
        List<String> seen = recordedPaths(denials);
        assertThat(seen).as("%s", denials).containsExactly("/etc/hostname fs.read_file x1");
    }

    /**
     * A TCP connect landlock refuses (an undeclared port) sends no packet, so nftables never sees it; the
     * audit records name it, and it is listed among network_enforcement's denied connections with layer
     * landlock, apart from what the ruleset rejected (layer nftables), and maps to a valid OCSF Refuse.
     * The destinations are in TEST-NET-1: nothing may answer there, and nothing is sent.
     */
    @Test
    void aConnectLandlockRefusedIsADeniedConnectionOfTheLandlockLayer() throws Exception {
        assumeTrue(Landlock.abi() >= 7, "SKIP: landlock ABI " + Landlock.abi() + " writes no audit records (7 does)");
        ObjectNode document = CellRunnerCli.cell("/bin/bash", "-c", String.join("; ",
                "for i in 1 2; do timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.1/7001' 2>/dev/null || echo PORT_REFUSED; done",
                "timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.2/7000' 2>/dev/null || echo ADDRESS_REJECTED",
                "sleep 0.6"));
        ((ObjectNode) document.get("spec")).putObject("authority").putArray("egressRules").addObject()
                .put("host", "192.0.2.1").put("port", 7000).put("protocol", "tcp");
        CellRunnerCli.Run run;
        try (KernelAudit audit = KernelAudit.hold()) {
            run = cli.run(document);
        }
        assertThat(run.stdout()).as(run.toString()).isEqualTo("PORT_REFUSED\nPORT_REFUSED\nADDRESS_REJECTED\n");
        JsonNode enforcement = run.event("network_enforcement");
        List<String> denied = new ArrayList<>();
        enforcement.path("deniedConnections").forEach(d -> denied.add(d.path("layer").asText() + " "
                + d.path("destination").asText() + ":" + d.path("port").asInt() + " " + d.path("rule").asText()
                + " packets=" + d.path("packets").asLong() + " attempts=" + d.path("attempts").asLong()));
        assertThat(denied).as("%s", enforcement).contains("landlock 192.0.2.1:7001 landlock:net.connect_tcp packets=0 attempts=2")
                .anyMatch(d -> d.startsWith("nftables 192.0.2.2:7000 reject-tcp packets="));
        assertThat(enforcement.path("networkRecords").path("notRecorded").toString())
                .as("landlock's refusals are recorded, so not listed as a gap").doesNotContain("refused by landlock");
        for (ObjectNode record : OcsfMapper.map(run.events().stream()
                .filter(e -> e.path("type").asText().endsWith("network_enforcement")).findFirst().orElseThrow())) {
            assertThat(OCSF.validate(record).errors()).as("OCSF errors of %s", record).isEmpty();
        }
    }

    /** Each recorded denial as "path first-right xcount"; the records must have been recorded at all. */
    private static List<String> recordedPaths(JsonNode denials) {
        assertThat(denials.path("recorded").asBoolean()).as("%s", denials).isTrue();
        List<String> seen = new ArrayList<>();
        denials.path("entries").forEach(e -> seen.add(e.path("path").asText() + " " + e.path("access").get(0).asText()
                + " x" + e.path("count").asLong()));
        return seen;
    }

    private static final OcsfValidator OCSF = new OcsfValidator(OcsfSchema.load(OcsfMapper.SCHEMA_VERSION));
}
