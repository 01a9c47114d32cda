package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** run.user / run.group switch only the workload, through raw per-thread system calls. */
class ConfinementIdentityIT extends CellRunnerCase {

    @Test
    void workloadRunsAsTheNamedUserWithItsOwnTempDir() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/sh", "-c",
                "echo x > \"$TMPDIR/f\" && echo \"$(id -u):$(id -g):$(id -G)\"");
        ((ObjectNode) document.get("spec").get("run")).put("user", "nobody");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).isEqualTo("65534:65534:65534\n");
        JsonNode identity = run.event("confinement").get("identity");
        assertThat(identity.get("enforced").asBoolean()).isTrue();
        assertThat(identity.get("observed").get("uid").asText()).isEqualTo("65534 65534 65534 65534");
    }

    @Test
    void numericUserAndGroup() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/usr/bin/id", "-u", "-r");
        ((ObjectNode) document.get("spec").get("run")).put("user", "4242").put("group", "4343");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.stdout()).as(run.toString()).isEqualTo("4242\n");
        assertThat(run.event("confinement").get("identity").get("observed").get("gid").asText())
                .isEqualTo("4343 4343 4343 4343");
    }

    @Test
    void unknownUserIsRefused() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/true");
        ((ObjectNode) document.get("spec").get("run")).put("user", "confine-it-no-such-user");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(69);
        assertThat(run.stderr()).contains("run.user", "confine-it-no-such-user");
    }

    @Test
    void theRunnerItselfKeepsItsIdentity() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/true");
        ((ObjectNode) document.get("spec").get("run")).put("user", "nobody");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        // The trail is written by the runner after the switch; a process-wide setuid would have lost it.
        assertThat(run.event("destroyed").get("outcome").asText()).isEqualTo("succeeded");
    }
}
