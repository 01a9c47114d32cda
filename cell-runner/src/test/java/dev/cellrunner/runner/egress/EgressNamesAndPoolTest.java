package dev.cellrunner.runner.egress;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EgressNamesAndPoolTest {
    @TempDir
    Path state;

    @Test
    void namesCarryTheRunnerPidAndFitAnInterfaceName() {
        CellNetNames names = new CellNetNames(4194304, 99999);
        assertThat(names.hostInterface()).isEqualTo("cr4194304-99999").hasSizeLessThanOrEqualTo(15);
        assertThat(names.table()).isEqualTo("cellrunner_4194304_99999");
        assertThat(CellNetNames.ownerOf(names.hostInterface())).contains(4194304L);
        assertThat(CellNetNames.ownerOf(names.table())).contains(4194304L);
        assertThat(CellNetNames.ownerOf("crypto0")).isEmpty();
        assertThat(CellNetNames.ownerOf("eth0")).isEmpty();
    }

    @Test
    void onlyNamesOfDeadRunnersAreLeftovers() {
        long self = ProcessHandle.current().pid();
        assertThat(Leftovers.ownedByDeadRunner("cr" + self + "-1")).isFalse();
        assertThat(Leftovers.ownedByDeadRunner("cellrunner_" + self + "_3")).isFalse();
        assertThat(Leftovers.ownedByDeadRunner("filter")).isFalse();
        assertThat(Leftovers.ownedByDeadRunner("cr4194303-1")).as("pid above any live one here").isTrue();
    }

    @Test
    void slotsAreDistinctSubnetsHeldUntilReleased() throws Exception {
        UplinkPool pool = new UplinkPool(prefix(UplinkPool.DEFAULT_IPV4), prefix(UplinkPool.DEFAULT_IPV6), state);
        try (UplinkPool.Slot first = pool.take(); UplinkPool.Slot second = pool.take()) {
            assertThat(first.ipv4Subnet()).hasToString("198.18.0.0/30");
            assertThat(Addresses.text(first.ipv4Host())).isEqualTo("198.18.0.1");
            assertThat(Addresses.text(first.ipv4Cell())).isEqualTo("198.18.0.2");
            assertThat(first.ipv6Subnet()).hasToString("fdc3:11f0:5a7e::/64");
            assertThat(Addresses.text(first.ipv6Cell())).isEqualTo("fdc3:11f0:5a7e::2");
            assertThat(second.ipv4Subnet()).hasToString("198.18.0.4/30");
            assertThat(second.ipv6Subnet()).hasToString("fdc3:11f0:5a7e:1::/64");
        }
        try (UplinkPool.Slot again = pool.take()) {
            assertThat(again.index()).as("a released slot is reused").isZero();
            try (UplinkPool.Slot other = pool.take()) {
                assertThat(other.index()).isOne();
            }
            assertThat(heldLocks()).as("the kernel still holds slot 0's lock after slot 1 was released")
                    .contains(":" + Files.getAttribute(again.lockFile(), "unix:ino") + " ");
        }
    }

    @Test
    void aPoolTooSmallOrOfTheWrongFamilyIsRejected() {
        assertThatThrownBy(() -> new UplinkPool(prefix("198.18.0.0/31"), prefix("fd00::/48"), state))
                .hasMessageContaining("/30 or wider");
        assertThatThrownBy(() -> new UplinkPool(prefix("fd00::/48"), prefix("fd00::/48"), state))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anExhaustedPoolSaysSo() throws Exception {
        UplinkPool pool = new UplinkPool(prefix("198.18.0.0/30"), prefix("fd00:1::/64"), state);
        try (UplinkPool.Slot only = pool.take()) {
            assertThatThrownBy(pool::take).hasMessageContaining("are in use");
        }
    }

    /** This process's POSIX locks as /proc/locks lists them ("... POSIX ADVISORY WRITE pid dev:inode ..."). */
    private static String heldLocks() throws java.io.IOException {
        StringBuilder held = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            if (line.contains("OFDLCK")) {
                held.append(line).append('\n');
            }
        }
        return held.toString();
    }

    private static IpPrefix prefix(String text) {
        return (IpPrefix) EgressHost.parse(text);
    }
}
