package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.HostListener;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


/**
 * Escape attempts from a cell with no declared egress (conformance issue's list): each must fail, the
 * cell must have made the attempt, and the signed trail must verify. The same attempts from a cell
 * with an uplink are in {@code egress.EgressEscapeTest}.
 */
@ContractSection("§2 network isolation: escape attempts")
@ExtendWith(HarnessExtension.class)
class EscapeAttemptsTest {
    /** A DNS query for example.org A, as bash's printf writes it (id 0x1234, recursion desired). */
    static final String DNS_QUERY = "\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00"
            + "\\x07example\\x03org\\x00\\x00\\x01\\x00\\x01";

    @Test
    @DisplayName("IPv6: a TCP listener on the host's ::1 is unreachable from the cell; the trail verifies")
    void hostIpv6LoopbackListenerUnreachable(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireIpv6();
        try (HostListener listener = HostListener.on("::1")) {
            NetworkIsolationTest.assertUnreachable(h, listener, "::1");
        }
    }

    @Test
    @DisplayName("a DNS query (UDP 53) to an undeclared resolver 192.0.2.53 cannot be sent; the trail verifies")
    void dnsToUndeclaredResolverFails(Harness h) {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "keys");
        RunResult result = h.call(RunnerCall.run(h.writeSpec(Spec.cell("crconf-dns", "/bin/bash", "-c",
                "echo " + NetworkIsolationTest.ATTEMPT + "; printf '" + DNS_QUERY + "' > /dev/udp/192.0.2.53/53 && echo "
                        + NetworkIsolationTest.CONNECTED))).signedWith(keys.privateKey()));

        NetworkIsolationTest.assertAttemptFailed(result, "sending a DNS query to 192.0.2.53:53");
        ContractChecks.assertTrailVerifies(h, result.trail().file(), keys.publicKey());
    }
}
