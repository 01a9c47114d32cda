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
            "fe80::1", "febf::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254"})
    void reservedAnswersAreRefused(String answer) {
        assertThatThrownBy(() -> EgressPinning.pin(List.of(NAME_RULE), resolvedTo(answer)))
                .isInstanceOf(EgressRefusal.class).hasMessageContaining("reserved range");
    }

    @Test
    void aReservedAnswerIsAllowedWhenTheDocumentDeclaresItLiterally() throws Exception {
        List<EgressRule> rules = List.of(NAME_RULE, new EgressRule("169.254.0.0/16", 80, Protocol.TCP));
        List<PinnedRule> pinned = EgressPinning.pin(rules, resolvedTo("169.254.169.254"));
        assertThat(pinned.get(0).destinations()).containsExactly(prefix("169.254.169.254"));
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
