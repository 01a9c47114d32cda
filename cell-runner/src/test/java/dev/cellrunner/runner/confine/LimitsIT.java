package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Resource limits through the host's cgroups (v1 controllers on this machine kind, v2 elsewhere). */
class LimitsIT extends CellRunnerCase {

    @Test
    void aForkBombIsStoppedByPidsMaxAndReported() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/sh", "-c", "bomb() { bomb | bomb & }; (bomb); exec sleep 30");
        ((ObjectNode) document.get("spec").get("run")).put("timeoutMs", 3000);
        CellRunnerCli.limits(document).put("pidsMax", 16).put("cpuMillicores", 200);
        CellRunnerCli.Started started = cli.start(document);
        JsonNode pidsMax = started.awaitEvent("confinement").get("limits").get("pidsMax");
        Path current = Path.of(pidsMax.get("observedVia").asText()).resolveSibling("pids.current");
        long most = 0;
        for (int sample = 0; sample < 50 && Files.exists(current); sample++) {
            try {
                most = Math.max(most, Long.parseLong(Files.readString(current).trim()));
            } catch (java.io.IOException e) {
                break; // the group went away with the cell
            }
            Thread.sleep(20);
        }
        assertThat(most).as("tasks in the cell's pids group, sampled by the host").isBetween(1L, 16L);
        CellRunnerCli.Run run = started.await();
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(124);
        JsonNode limits = run.event("completed").get("limits");
        assertThat(limits.get("pidsMaxReached").asLong()).as(limits.toString()).isPositive();
        assertThat(limits.get("pidsPeak").asLong()).as(limits.toString()).isBetween(1L, 16L);
        JsonNode confinement = run.event("confinement");
        assertThat(pidsMax.get("enforced").asBoolean()).isTrue();
        assertThat(pidsMax.get("mechanism").asText()).startsWith("cgroup v");
        assertEveryGroupRemoved(confinement);
    }

    @Test
    void aMemoryHogIsKilledByMemoryMaxBytes() throws Exception {
        Path perl = perl();
        ObjectNode document = CellRunnerCli.cell(perl.toString(), "-e",
                "my $x = 'a' x (512 * 1024 * 1024); print qq(survived\\n);");
        CellRunnerCli.limits(document).put("memoryMaxBytes", 64L * 1024 * 1024);
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.stdout()).as(run.toString()).doesNotContain("survived");
        assertThat(run.exitCode()).isEqualTo(137);
        JsonNode completed = run.event("completed");
        assertThat(completed.get("signal").asInt()).isEqualTo(9);
        assertThat(completed.get("limits").get("oomKills").asLong()).as(completed.toString()).isPositive();
        JsonNode memory = run.event("confinement").get("limits").get("memoryMaxBytes");
        assertThat(memory.get("enforced").asBoolean()).as(memory.toString()).isTrue();
        assertEveryGroupRemoved(run.event("confinement"));
    }

    @Test
    void aCpuLimitIsHeldAndReadBack() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/true");
        CellRunnerCli.limits(document).put("cpuMillicores", 250);
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode cpu = run.event("confinement").get("limits").get("cpuMillicores");
        assertThat(cpu.get("enforced").asBoolean()).as(cpu.toString()).isTrue();
        assertThat(cpu.get("observed").asText()).startsWith("25000");
    }

    @Test
    void aLimitTheKernelCannotHoldIsRefused() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/true");
        CellRunnerCli.limits(document).put("cpuMillicores", 5);
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(69);
        assertThat(run.stderr()).contains("run.limits.cpuMillicores");
        assertThat(run.event("destroyed").get("outcome").asText()).isEqualTo("refused");
    }

    @Test
    void theWorkloadIsBornInsideEveryGroup() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/cat", "/proc/self/cgroup");
        CellRunnerCli.limits(document).put("pidsMax", 8).put("memoryMaxBytes", 256L * 1024 * 1024);
        CellRunnerCli.Run run = cli.run(document);
        JsonNode cgroups = run.event("confinement").get("cgroups");
        for (Iterator<Map.Entry<String, JsonNode>> it = cgroups.get("requested").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> group = it.next();
            String name = Path.of(group.getValue().asText()).getFileName().toString();
            String line = group.getKey().equals("v2") ? "0::" : ":" + group.getKey() + ":";
            assertThat(run.stdout()).as(run.toString()).containsPattern("(?m)^\\d+" + line.substring(line.indexOf(':'))
                    + ".*/" + name + "$");
        }
    }

    private static void assertEveryGroupRemoved(JsonNode confinement) {
        for (JsonNode group : confinement.get("cgroups").get("requested")) {
            assertThat(Path.of(group.asText())).doesNotExist();
        }
    }
}
