package dev.cellrunner.runner.observe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProcReadersTest {
    @Test
    void statusFieldsAreReadAsTheKernelPrintsThem() {
        ProcStatus status = ProcStatus.parse(List.of(
                "Name:\tsleep", "Uid:\t1000\t1000\t1000\t1000", "Gid:\t100\t100\t100\t100",
                "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"));

        assertThat(status.noNewPrivs()).isEqualTo("1");
        assertThat(status.seccomp()).isEqualTo("2");
        assertThat(status.capBnd()).isEqualTo("0000000000000000");
        assertThat(status.uid()).isEqualTo("1000\t1000\t1000\t1000");
    }

    @Test
    void netDevListsInterfaceNamesOnly() {
        assertThat(NetDev.parse(List.of(
                "Inter-|   Receive                            |  Transmit",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes",
                "    lo:       0       0    0    0    0     0          0         0        0",
                "crv-1a2b: 1234      10    0    0    0     0          0         0      999")))
                .containsExactly("lo", "crv-1a2b");
    }

    @Test
    void thisProcessHasReadableStatus() throws Exception {
        ProcStatus self = ProcStatus.read(ProcessHandle.current().pid());
        assertThat(self.capEff()).matches("[0-9a-f]{16}");
        assertThat(self.noNewPrivs()).isIn("0", "1");
    }
}
