package dev.cellrunner.conformance.egress;

import dev.cellrunner.conformance.harness.ContractSection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static dev.cellrunner.conformance.egress.EgressCellRun.assertProbes;
import static dev.cellrunner.conformance.egress.EgressTestNet.ECHO;
import static dev.cellrunner.conformance.egress.EgressTestNet.HOST_LISTENER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A document that declares the host itself (its own address, the uplink pool, or a name that resolves
 * there) is refused unless the runner was started with --allow-host-egress; each refusal is proved
 * against a control run with the option, in which the same destination answers.
 */
@ContractSection("§2 network egress: the host itself is never a destination unless the runner allows it")
class HostEgressTest extends EgressNetCase {
    /** The runner's host namespace in the test network; its echo server listens on every address. */
    private static final String HOST_ADDRESS = "198.51.100.1";

    @BeforeEach
    void theHostsListenerAnswersOnItsOwnAddress() throws IOException {
        assertThat(net.inHost("bash", "-c", "exec 3<>/dev/tcp/" + HOST_ADDRESS + "/" + HOST_LISTENER
                + "; echo ping >&3; timeout 2 head -c 5 <&3").trim()).isEqualTo("ping");
    }

    @Test
    void theHostsOwnAddressIsRefusedAndAllowedWithTheOption() throws Exception {
        EgressCellRun.Outcome refused = new EgressCellRun(net).allow(HOST_ADDRESS, HOST_LISTENER, "tcp")
                .then("echo RAN").probe("tcp", HOST_ADDRESS, HOST_LISTENER).run();
        record(refused);
        assertRefused(refused, "host-address");

        EgressCellRun.Outcome allowed = new EgressCellRun(net).allow(HOST_ADDRESS, HOST_LISTENER, "tcp")
                .runnerOptions("--allow-host-egress").probe("tcp", HOST_ADDRESS, HOST_LISTENER).run();
        record(allowed);
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertProbes(allowed, Map.of("tcp " + HOST_ADDRESS + " " + HOST_LISTENER, "ok"));
        assertThat(allowed.data("network_policy").path("hostEgressAllowed").asBoolean()).isTrue();
    }

    @Test
    void theUplinkPoolIsRefusedAndAllowedWithTheOption() throws Exception {
        EgressCellRun.Outcome refused = new EgressCellRun(net).allow("198.18.0.0/16", HOST_LISTENER, "tcp")
                .then("echo RAN").run();
        record(refused);
        assertRefused(refused, "uplink-pool");

        EgressCellRun.Outcome allowed = new EgressCellRun(net).allow("198.18.0.0/16", HOST_LISTENER, "tcp")
                .runnerOptions("--allow-host-egress")
                .then("gw4=$(ip route show default | cut -d' ' -f3); echo \"GATEWAY $gw4\"")
                .probe("tcp", "$gw4", HOST_LISTENER).run();
        record(allowed);
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertThat(allowed.stdout()).contains("GATEWAY 198.18.");
        assertThat(allowed.probes()).as(allowed.stdout()).hasSize(1).containsValue("ok");
    }

    @Test
    void aNameThatResolvesToTheHostIsRefused() throws Exception {
        EgressCellRun.Outcome refused = new EgressCellRun(net).hosts(HOST_ADDRESS + " svc.egress.test\n")
                .allow("svc.egress.test", HOST_LISTENER, "tcp").then("echo RAN").run();
        record(refused);
        assertRefused(refused, "host-address");
        assertThat(refused.data("network_policy").toString()).contains("svc.egress.test resolves to " + HOST_ADDRESS);
    }

    /** A declared prefix that only includes the host is admitted; the host-side filter keeps the host out of it. */
    @Test
    void aWiderPrefixReachesItsTestHostsButNeverTheHost() throws Exception {
        EgressCellRun.Outcome outcome = new EgressCellRun(net).allow("198.51.100.0/24", ECHO, "tcp")
                .allow("198.51.100.0/24", HOST_LISTENER, "tcp")
                .probe("tcp", V4, ECHO).probe("tcp", HOST_ADDRESS, HOST_LISTENER).run();
        record(outcome);
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertProbes(outcome, Map.of("tcp " + V4 + " " + ECHO, "ok", "tcp " + HOST_ADDRESS + " " + HOST_LISTENER, "fail"));
    }

    private static void assertRefused(EgressCellRun.Outcome outcome, String rule) {
        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(69);
        assertThat(outcome.stdout()).doesNotContain("RAN");
        assertThat(outcome.stderr()).contains("leads to the host").contains("(" + rule + ": ").contains("--allow-host-egress");
        assertThat(outcome.data("network_policy").path("refused").path("reason").asText()).contains("leads to the host");
        assertThat(outcome.data("destroyed").path("outcome").asText()).isEqualTo("refused");
    }
}
