package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A root workload starts without any capability, so it cannot undo its own network isolation. */
class ConfinementCapabilitiesIT extends CellRunnerCase {
    private static final String EMPTY = "0000000000000000";

    @Test
    void nftFlushRulesetFailsInside() throws Exception {
        Path nft = tool("/usr/sbin/nft");
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell(nft.toString(), "flush", "ruleset"));
        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.stderr()).as(run.toString()).contains("Operation not permitted");
    }

    @Test
    void ipLinkAddFailsInside() throws Exception {
        Path ip = tool("/usr/sbin/ip");
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell(ip.toString(), "link", "add", "confine-it0", "type",
                "dummy"));
        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.stderr()).as(run.toString()).contains("Operation not permitted");
    }

    @Test
    void childStatusShowsEveryCapabilitySetEmpty() throws Exception {
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell("/bin/grep", "^Cap", "/proc/self/status"));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("CapInh:\t" + EMPTY, "CapPrm:\t" + EMPTY, "CapEff:\t" + EMPTY,
                "CapBnd:\t" + EMPTY, "CapAmb:\t" + EMPTY);
        JsonNode confinement = run.event("confinement");
        assertThat(confinement.toString()).contains(EMPTY);
    }

    static Path tool(String path) {
        Path tool = Path.of(path);
        assumeTrue(Files.isExecutable(tool), "SKIP: " + path + " is not installed (install nftables / iproute2)");
        return tool;
    }
}
