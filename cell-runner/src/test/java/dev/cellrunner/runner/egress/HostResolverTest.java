package dev.cellrunner.runner.egress;

import dev.cellrunner.spec.EgressRule;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Names are resolved at once under one deadline. The resolver that never answers is a UDP socket this
 * test binds on loopback and never reads: each lookup sends it a query and waits for a reply that
 * never comes (never the host's resolver). The bounds are hang checks, not speed targets.
 */
class HostResolverTest {
    /** Sends a DNS-shaped query to {@code server} and blocks until an answer comes: never, here. */
    private static NameResolver askingSilently(InetSocketAddress server) {
        return name -> {
            try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                byte[] query = ("query " + name).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(query, query.length, server));
                socket.receive(new DatagramPacket(new byte[512], 512));
                return List.of();
            }
        };
    }

    private static List<EgressRule> rules(int names) {
        List<EgressRule> rules = new ArrayList<>();
        for (int i = 0; i < names; i++) {
            rules.add(new EgressRule("n" + i + ".example.org", 443, dev.cellrunner.spec.Protocol.TCP));
        }
        rules.add(new EgressRule("198.51.100.9", 443, dev.cellrunner.spec.Protocol.TCP));
        return rules;
    }

    @Test
    void namesThatNeverAnswerAreAllNamedOnceTheOneDeadlinePasses() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress server = (InetSocketAddress) silent.getLocalSocketAddress();
            long start = System.nanoTime();
            HostResolver.Unresolved unresolved = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                try {
                    HostResolver.resolve(rules(32), askingSilently(server), Duration.ofSeconds(2));
                } catch (HostResolver.Unresolved e) {
                    return e;
                }
                throw new AssertionError("resolved names that never answered");
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(unresolved.names()).hasSize(32).contains("n0.example.org", "n31.example.org");
            assertThat(unresolved.getMessage()).contains("no answer within 2000 ms for n0.example.org, n1.example.org");
            assertThat(seconds).as("one deadline for all names, not one per name").isLessThan(30);
        }
    }

    @Test
    void answeredNamesAreReturnedAndNamesWithoutAddressesAreNamed() throws Exception {
        NameResolver fake = name -> name.startsWith("n0")
                ? List.of(InetAddress.getByName("198.51.100.1")) : List.of();
        assertThat(HostResolver.resolve(rules(1), fake, Duration.ofSeconds(5)))
                .containsOnlyKeys("n0.example.org");
        assertThatThrownBy(() -> HostResolver.resolve(rules(2), fake, Duration.ofSeconds(5)))
                .isInstanceOf(HostResolver.Unresolved.class).hasMessageContaining("n1.example.org does not resolve");
    }

    @Test
    void theDeadlineIsTheCellsLifetimeAtMostTheCap() {
        assertThat(HostResolver.deadlineFor(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(HostResolver.deadlineFor(Duration.ofMinutes(10))).isEqualTo(HostResolver.CAP);
    }
}
