package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static dev.cellrunner.nft.Fixtures.address;
import static dev.cellrunner.nft.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EgressPinningTest {
    private static final EgressRule NAME_RULE = new EgressRule("svc.example.org", 443, Protocol.TCP);
    /** A host with one address per family and the default pools. */
    static final HostAddresses HOST = new HostAddresses(
            List.of(prefix("192.168.7.20"), prefix("192.168.7.255"), prefix("2001:db8:77::20")),
            List.of(prefix("198.18.0.0/16"), prefix("fdc3:11f0:5a7e::/48")));

    @Test
    void literalsPinThemselvesAndNamesPinEveryAddress() throws Exception {
        List<PinnedRule> pinned = Fixtures.pinned();
        assertThat(pinned.get(0).destinations()).containsExactly(prefix("198.51.100.10"));
        assertThat(pinned.get(0).fromHostname()).isFalse();
        assertThat(pinned.get(1).destinations()).containsExactly(prefix("2001:db8::/64"));
        assertThat(pinned.get(2).destinations()).containsExactly(prefix("203.0.113.7"), prefix("2001:db8::7"));
        assertThat(pinned.get(2).fromHostname()).isTrue();
    }

    @Test
    void aNameThatDoesNotResolveIsRefused() {
        assertThatThrownBy(() -> EgressPinning.pin(List.of(NAME_RULE), Map.of()))
                .isInstanceOf(EgressRefusal.class).hasMessage("egressRules[0]: svc.example.org does not resolve");
        assertThatThrownBy(() -> EgressPinning.pin(List.of(NAME_RULE), Map.of("svc.example.org", List.of())))
                .isInstanceOf(EgressRefusal.class).hasMessageContaining("does not resolve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "0.0.0.0", "0.1.2.3", "169.254.169.254", "::1", "::",
            "fe80::1", "febf::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.251", "255.255.255.255",
            "ff02::fb", "2002:7f00:1::1", "64:ff9b::a9fe:a9fe", "::127.0.0.1", "198.18.3.1", "fdc3:11f0:5a7e:9::1",
            "192.168.7.20", "192.168.7.255", "2001:db8:77::20", "2002:c0a8:714::1", "::ffff:192.168.7.20"})
    void answersThatLeadToTheHostAreRefused(String answer) {
        assertThatThrownBy(() -> EgressPinning.pin(List.of(NAME_RULE), resolvedTo(answer), HOST, false))
                .isInstanceOf(EgressRefusal.class).hasMessageContaining("leads to the host")
                .hasMessageContaining("--allow-host-egress");
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "198.18.0.1", "198.18.0.0/16", "192.168.7.20", "2001:db8:77::20",
            "2002:c0a8:714::/48", "64:ff9b::192.168.7.20", "fdc3:11f0:5a7e::/48"})
    void declaredDestinationsOnTheHostAreRefusedNamingTheRule(String literal) {
        assertThatThrownBy(() -> EgressPinning.pin(List.of(new EgressRule(literal, 80, Protocol.TCP)), Map.of(),
                HOST, false))
                .isInstanceOf(EgressRefusal.class).hasMessageStartingWith("egressRules[0]: " + literal + " leads to the host: ")
                .hasMessageMatching(".*\\((link-local|uplink-pool|host-address|6to4 host-address|nat64 host-address): .*");
    }

    @Test
    void withHostEgressAllowedTheSameDestinationsArePinned() throws Exception {
        List<PinnedRule> pinned = EgressPinning.pin(List.of(NAME_RULE, new EgressRule("198.18.0.0/16", 80, Protocol.TCP),
                new EgressRule("192.168.7.20", 80, Protocol.TCP)), resolvedTo("169.254.169.254"), HOST, true);
        assertThat(pinned.get(0).destinations()).containsExactly(prefix("169.254.169.254"));
        assertThat(pinned.get(1).destinations()).containsExactly(prefix("198.18.0.0/16"));
        assertThat(pinned.get(2).destinations()).containsExactly(prefix("192.168.7.20"));
    }

    @Test
    void aWiderPrefixThatOnlyIncludesTheHostIsPinnedForTheHostFilterToNarrow() throws Exception {
        List<PinnedRule> pinned = EgressPinning.pin(List.of(new EgressRule("192.168.0.0/16", 443, Protocol.TCP),
                new EgressRule("198.0.0.0/8", 443, Protocol.TCP)), Map.of(), HOST, false);
        assertThat(pinned).extracting(rule -> rule.destinations().get(0))
                .containsExactly(prefix("192.168.0.0/16"), prefix("198.0.0.0/8"));
    }

    @Test
    void anIpv4MappedAnswerOpensExactlyTheIpv4Address() throws Exception {
        List<PinnedRule> pinned = EgressPinning.pin(List.of(NAME_RULE), Map.of("svc.example.org",
                List.of(InetAddress.getByAddress(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) 198, 51, 100, 10}))));
        assertThat(pinned.get(0).destinations()).containsExactly(prefix("198.51.100.10"));
    }

    @Test
    void anIpv4MappedLiteralIsTheIpv4Rule() throws Exception {
        List<PinnedRule> pinned = EgressPinning.pin(List.of(new EgressRule("::ffff:198.51.100.10", 80, Protocol.TCP)),
                Map.of());
        assertThat(pinned.get(0).destinations()).containsExactly(prefix("198.51.100.10"));
        assertThat(AllowSet.of(pinned.get(0).elements().get(0), Protocol.TCP)).isEqualTo(AllowSet.IP4_TCP);
    }

    @Test
    void anInvalidHostIsRefusedWithTheReason() {
        assertThatThrownBy(() -> EgressPinning.pin(List.of(new EgressRule("198.51.100.10/24", 80, Protocol.TCP)),
                Map.of())).isInstanceOf(EgressRefusal.class).hasMessageContaining("host bits");
    }

    private static Map<String, List<InetAddress>> resolvedTo(String answer) {
        return Map.of("svc.example.org", List.of(address(answer)));
    }
}
