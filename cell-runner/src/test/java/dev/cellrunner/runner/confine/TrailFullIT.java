package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A trail that stops taking events once the cell has started: the cell is killed at once, not left to run
 * unrecorded to its end, and the run exits 74. The trail lies on a tmpfs that the runner, in a mount
 * namespace of its own (unshare -m), sees mounted with room for the run's first two events and not for
 * the confinement event (about 20 KB).
 */
class TrailFullIT {
    @Test
    void aTrailThatCannotTakeTheConfinementEventKillsTheCellAndExits74() throws Exception {
        try (CellRunnerCli cli = new CellRunnerCli()) {
            Path roomy = trailDir(cli, "ample");
            CellRunnerCli.Run ample = cli.runUnder(onTmpfs("1m", roomy), roomy, cell());
            assertThat(ample.stdout()).as("with room, the cell runs to its end: " + ample).isEqualTo("outlived\n");
            assertThat(ample.exitCode()).isZero();

            Path small = trailDir(cli, "full");
            CellRunnerCli.Run full = cli.runUnder(onTmpfs("16k", small), small, cell());
            assertThat(full.exitCode()).as(full.toString()).isEqualTo(74);
            assertThat(full.stdout()).as("the cell was killed, not left to run unrecorded").isEmpty();
            assertThat(full.stderr()).contains("no event sink can take events");
        }
    }

    private static ObjectNode cell() {
        return CellRunnerCli.cell("/bin/sh", "-c", "sleep 2; echo outlived");
    }

    private static Path trailDir(CellRunnerCli cli, String name) throws java.io.IOException {
        return Files.createDirectory(cli.scratch().resolve(name));
    }

    /** unshare -m, a tmpfs of {@code size} on {@code dir}, then the launcher's command line. */
    private static List<String> onTmpfs(String size, Path dir) {
        return List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=" + size + ",mode=0700 cellrunner-trail-full \"$0\" && exec \"$@\"", dir.toString());
    }
}
