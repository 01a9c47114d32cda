package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The confinement event against what the test itself reads from the kernel, and descriptor hygiene. */
class ConfinementIT extends CellRunnerCase {

    @Test
    void hostSideOracleAgreesWithTheConfinementEvent() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/sleep", "3");
        ((ObjectNode) document.get("spec").get("run")).put("user", "nobody");
        CellRunnerCli.limits(document).put("pidsMax", 4);
        CellRunnerCli.Started started = cli.start(document);
        JsonNode event = started.awaitEvent("confinement");
        long pid = event.get("pid").asLong();
        Map<String, String> status = status(pid);
        List<String> cgroup = Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"));
        String netns = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
        CellRunnerCli.Run run = started.await();
        assertThat(run.exitCode()).as(run.toString()).isZero();

        assertThat(status.get("Name")).isEqualTo("sleep");
        JsonNode capabilities = event.get("capabilities").get("observed");
        assertThat(status.get("CapInh")).isEqualTo(capabilities.get("inheritable").asText()).isEqualTo("0000000000000000");
        assertThat(status.get("CapPrm")).isEqualTo(capabilities.get("permitted").asText()).isEqualTo("0000000000000000");
        assertThat(status.get("CapEff")).isEqualTo(capabilities.get("effective").asText()).isEqualTo("0000000000000000");
        assertThat(status.get("CapBnd")).isEqualTo(capabilities.get("bounding").asText()).isEqualTo("0000000000000000");
        assertThat(status.get("CapAmb")).isEqualTo(capabilities.get("ambient").asText()).isEqualTo("0000000000000000");
        assertThat(status.get("NoNewPrivs")).isEqualTo(event.get("noNewPrivs").get("observed").asText()).isEqualTo("1");
        assertThat(status.get("Seccomp")).isEqualTo(event.get("seccomp").get("observed").get("seccomp").asText())
                .isEqualTo("2");
        assertThat(status.get("Seccomp_filters"))
                .isEqualTo(event.get("seccomp").get("observed").get("seccompFilters").asText()).isEqualTo("1");
        assertThat(status.get("Uid").split("\\s+")).containsOnly("65534");
        assertThat(String.join(" ", status.get("Uid").split("\\s+")))
                .isEqualTo(event.get("identity").get("observed").get("uid").asText());
        assertThat(cgroup).contains("0::" + event.get("cgroups").get("observed").get("v2").asText());
        assertThat(netns).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        assertThat(event.get("enforced").asBoolean()).isTrue();
        assertThat(event.get("mismatches")).isEmpty();
        for (String control : List.of("capabilities", "identity", "noNewPrivs", "landlock", "seccomp", "cgroups")) {
            assertThat(event.get(control).get("enforced").asBoolean()).as(control).isTrue();
            assertThat(event.get(control).get("observedVia").asText()).as(control).isNotBlank();
        }
    }

    @Test
    void descriptorsOfTheRunnerDoNotReachTheWorkload() throws Exception {
        Path inherited = Files.writeString(cli.scratch().resolve("inherited.txt"), "runner-only\n");
        ObjectNode document = CellRunnerCli.cell("/bin/ls", "-l", "/proc/self/fd/");
        String id = document.get("spec").get("id").asText();
        Files.writeString(cli.scratch().resolve(id + ".json"), CellRunnerCli.JSON.writeValueAsString(document));
        Path events = cli.scratch().resolve(id + ".events.jsonl");
        // The runner starts with fd 7 open (no close-on-exec) and opens its trail itself.
        Process process = new ProcessBuilder("/bin/bash", "-c", "exec 7<\"$1\"; exec \"$2\" run --events \"jsonl:$3\" \"$4\"",
                "bash", inherited.toString(), CellRunnerCli.launcher().toString(), events.toString(),
                cli.scratch().resolve(id + ".json").toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        List<String> descriptors = output.lines().filter(line -> line.contains(" -> ")).toList();
        assertThat(descriptors).as(output).hasSize(4); // 0, 1, 2 and the directory ls is reading
        assertThat(output).doesNotContain("inherited.txt", ".events.jsonl", ".jar", "socket:");
        assertThat(descriptors.get(0)).contains(" 0 -> /dev/null");
    }

    private static Map<String, String> status(long pid) throws Exception {
        Map<String, String> fields = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return fields;
    }
}
