package dev.cellrunner.runner.serve;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CellPeersTest {
    @Test
    void aProcessInAnyCellsLeafIsInsideACell() {
        assertThat(CellPeers.cellIn("0::/cellrunner-4242-8c0e4f1e-0b9e-4a53-9d0c-3f1c2d6e7a88"))
                .contains("/cellrunner-4242-8c0e4f1e-0b9e-4a53-9d0c-3f1c2d6e7a88");
        assertThat(CellPeers.cellIn("0::/system.slice/ci.service/cellrunner-7-ab12/child")).isPresent();
        assertThat(CellPeers.cellIn("8:pids:/cellrunner-7-ab12")).isPresent();
    }

    @Test
    void theRunnersOwnGroupsAndOtherGroupsAreNot() {
        assertThat(CellPeers.cellIn("0::/cellrunner-runner-4242")).isEmpty();
        assertThat(CellPeers.cellIn("0::/user.slice/user-1000.slice/session-3.scope")).isEmpty();
        assertThat(CellPeers.cellIn("0::/")).isEmpty();
        assertThat(CellPeers.cellIn("garbage")).isEmpty();
    }
}
