package dev.cellrunner.runner.dns;

import dev.cellrunner.runner.egress.HostResolver;
import dev.cellrunner.runner.egress.NameService;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Names pinned at start with {@code --dns-upstream}: the same {@link NameLookup} the responders ask,
 * as the {@link dev.cellrunner.runner.egress.NameResolver} of {@link HostResolver}, against servers on
 * loopback only (a fixture that answers, and a socket that is bound and never read). Time bounds are
 * hang checks, not speed targets.
 */
class UpstreamPinningTest {
    private static List<EgressRule> rules(String... hosts) {
        List<EgressRule> rules = new ArrayList<>();
        for (String host : hosts) {
            rules.add(new EgressRule(host, 443, Protocol.TCP));
        }
        rules.add(new EgressRule("*.wild.pin.test", 443, Protocol.TCP)); // never looked up at start
        return rules;
    }

    @Test
    void answeredNamesArePinnedAndANameUpstreamDoesNotKnowIsNamed() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream()) {
            upstream.add("a.pin.test", DnsMessage.Record.address(DnsMessage.Name.of("a.pin.test"), 60,
                    new byte[] {(byte) 198, 51, 100, 20}));
            byte[] v6 = InetAddress.getByName("2001:db8::20").getAddress();
            upstream.add("b.pin.test", DnsMessage.Record.address(DnsMessage.Name.of("b.pin.test"), 60, v6));
            Map<String, String> settings = Map.of(NameService.UPSTREAM, "127.0.0.1:" + upstream.upstream().servers().get(0).getPort());

            Map<String, List<InetAddress>> pinned = HostResolver.resolve(rules("a.pin.test", "b.pin.test"), settings,
                    Duration.ofSeconds(5));
            assertThat(pinned).containsOnlyKeys("a.pin.test", "b.pin.test");
            assertThat(pinned.get("a.pin.test")).containsExactly(InetAddress.getByName("198.51.100.20"));
            assertThat(pinned.get("b.pin.test")).containsExactly(InetAddress.getByName("2001:db8::20"));
            assertThat(upstream.asked).noneMatch(question -> question.contains("wild"));

            assertThatThrownBy(() -> HostResolver.resolve(rules("a.pin.test", "c.pin.test"), settings, Duration.ofSeconds(5)))
                    .isInstanceOf(HostResolver.Unresolved.class).hasMessageContaining("c.pin.test does not resolve")
                    .satisfies(e -> assertThat(((HostResolver.Unresolved) e).names()).containsExactly("c.pin.test"));
        }
    }

    @Test
    void aSilentUpstreamIsBoundedByTheOneDeadlineAndItsLookupsEndByThemselves() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Map<String, String> settings = Map.of(NameService.UPSTREAM, "127.0.0.1:" + silent.getLocalPort());
            String[] names = new String[32];
            for (int i = 0; i < names.length; i++) {
                names[i] = "s" + i + ".silent.pin.test";
            }
            HostResolver.Unresolved unresolved = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                try {
                    HostResolver.resolve(rules(names), settings, Duration.ofSeconds(2));
                } catch (HostResolver.Unresolved e) {
                    return e;
                }
                throw new AssertionError("resolved names that never answered");
            });
            assertThat(unresolved.names()).containsExactly(names);
            assertThat(unresolved.getMessage()).contains("no answer within 2000 ms for s0.silent.pin.test, s1.silent.pin.test");
            // the upstream lookups share the deadline, so no thread is left asking the silent server
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().contains(".silent.pin.test"))) {
                    Thread.sleep(50);
                }
            });
        }
    }
}
