package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.HostListener;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** Escape attempts from a cell with no declared egress (conformance issue's list); each must fail. */
@ContractSection("§2 network isolation: escape attempts")
@ExtendWith(HarnessExtension.class)
class EscapeAttemptsTest {

    @Test
    @DisplayName("IPv6: a TCP listener on the host's ::1 is unreachable from the cell")
    void hostIpv6LoopbackListenerUnreachable(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireIpv6();
        try (HostListener listener = HostListener.on("::1")) {
            NetworkIsolationTest.assertUnreachable(h, listener, "::1");
        }
    }

    @Test
    @DisplayName("a DNS query (UDP 53) to an undeclared resolver 192.0.2.53 cannot be sent")
    void dnsToUndeclaredResolverFails(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.cell("crconf-dns", "/bin/bash", "-c",
                "printf 'crconf' > /dev/udp/192.0.2.53/53 && echo SENT"));

        assertThat(result.stdoutText()).as("the datagram left the cell\n%s", result.describe()).doesNotContain("SENT");
        assertThat(result.exitCode()).as(result.describe()).isNotZero();
    }
}
