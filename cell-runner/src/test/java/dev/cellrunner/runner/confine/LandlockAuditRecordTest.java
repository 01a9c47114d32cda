package dev.cellrunner.runner.confine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Landlock's audit records as this kernel (6.18) writes them, parsed without a kernel. */
class LandlockAuditRecordTest {
    @Test
    void aFilesystemDenialGivesItsDomainRightsAndPath() {
        LandlockAuditRecord record = LandlockAuditRecord.parse(1423, "audit(1796334592.884:3): domain=1c8179244 "
                + "blockers=fs.read_file path=\"/etc/hostname\" dev=\"vda\" ino=612").orElseThrow();

        assertThat(record.domain()).isEqualTo("1c8179244");
        assertThat(record.blockers()).containsExactly("fs.read_file");
        assertThat(record.fields()).containsEntry("path", "/etc/hostname").containsEntry("ino", "612");
        assertThat(record.allocated()).isFalse();
    }

    @Test
    void aPathTheKernelDoesNotTrustComesAsHexAndSeveralRightsAsAList() {
        // "/tmp/a b" holds a space: the kernel writes it as hexadecimal, unquoted
        LandlockAuditRecord record = LandlockAuditRecord.parse(1423, "audit(1.2:9): domain=2a blockers="
                + "fs.write_file,fs.truncate path=2F746D702F612062 dev=\"tmpfs\" ino=4").orElseThrow();

        assertThat(record.fields().get("path")).isEqualTo("/tmp/a b");
        assertThat(record.blockers()).containsExactly("fs.write_file", "fs.truncate");
    }

    @Test
    void aQuotedValueIsNeverTakenForHex() {
        LandlockAuditRecord record = LandlockAuditRecord.parse(1424, "audit(1.2:9): domain=2a status=allocated "
                + "mode=enforcing pid=6188 uid=0 exe=\"/usr/bin/java\" comm=\"cafe\"").orElseThrow();

        assertThat(record.allocated()).isTrue();
        assertThat(record.fields()).containsEntry("comm", "cafe").containsEntry("pid", "6188");
    }

    @Test
    void aNetworkDenialNamesItsDestination() {
        LandlockAuditRecord record = LandlockAuditRecord.parse(1423, "audit(1.2:9): domain=2a "
                + "blockers=net.connect_tcp daddr=198.51.100.10 dest=8443").orElseThrow();

        assertThat(record.blockers()).containsExactly("net.connect_tcp");
        assertThat(record.fields()).containsEntry("daddr", "198.51.100.10").containsEntry("dest", "8443");
    }

    @Test
    void otherRecordsAndRecordsWithoutADomainAreNotLandlocks() {
        assertThat(LandlockAuditRecord.parse(1300, "audit(1.2:9): arch=c000003e syscall=257")).isEmpty();
        assertThat(LandlockAuditRecord.parse(1423, "audit(1.2:9): blockers=fs.read_file")).isEmpty();
        assertThat(LandlockAuditRecord.parse(1424, "audit(1.2:10): domain=2a status=deallocated denials=5")
                .orElseThrow().allocated()).isFalse();
    }
}
