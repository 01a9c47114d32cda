package dev.cellrunner.nft;

import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static dev.cellrunner.nft.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading back a listing nft 1.0.6 printed for the golden cell ruleset (stored as captured). */
class KernelRulesetTest {
    private static final String TABLE = RulesetGoldenTest.TABLE;

    @Test
    void theCapturedListingMatchesTheCompiledTable() throws IOException {
        KernelRuleset kernel = KernelRuleset.parse(listing());
        assertThat(kernel.tableNames()).containsExactly("inet " + TABLE);
        assertThat(RulesetGoldenTest.cellTable().expected().differencesFrom(kernel.table(TABLE).orElseThrow())).isEmpty();
    }

    @Test
    void countersDoNotChangeTheDigestButAnyOtherChangeDoes() throws IOException {
        String listing = listing();
        String digest = KernelRuleset.parse(listing).digest();
        assertThat(digest).matches("[0-9a-f]{64}");
        String counted = listing.replaceFirst("\"packets\": 0, \"bytes\": 0", "\"packets\": 7, \"bytes\": 420");
        assertThat(counted).isNotEqualTo(listing);
        assertThat(KernelRuleset.parse(counted).digest()).isEqualTo(digest);
        assertThat(KernelRuleset.parse(listing.replace("\"version\": \"1.0.6\"", "\"version\": \"1.1.0\"")).digest())
                .as("nft's own version is not kernel state").isEqualTo(digest);
        assertThat(KernelRuleset.parse(listing.replace("\"handle\": 2,", "\"handle\": 9,")).digest()).isNotEqualTo(digest);
        assertThat(KernelRuleset.parse(listing.replace("443", "444")).digest()).isNotEqualTo(digest);
    }

    @Test
    void answersTheRunnerAddsDoNotChangeTheDigestAndAreListed() throws IOException {
        String listing = listing();
        String withAnswer = listing.replaceFirst("(\"name\": \"dns_ip4_tcp\", [^}]*\"flags\": \\[\"timeout\"\\]),",
                "$1, \"elem\": [{\"elem\": {\"val\": {\"concat\": [\"198.51.100.20\", 443]}, \"timeout\": 30,"
                        + " \"expires\": 29, \"counter\": {\"packets\": 1, \"bytes\": 60}}}],");
        assertThat(withAnswer).isNotEqualTo(listing);
        KernelRuleset kernel = KernelRuleset.parse(withAnswer);
        assertThat(kernel.digest()).isEqualTo(KernelRuleset.parse(listing).digest());
        assertThat(kernel.elements(TABLE, "dns_ip4_tcp")).containsExactly(new SetElement(prefix("198.51.100.20"), 443));
        assertThat(kernel.elementCounter(TABLE, AllowSet.IP4_TCP, new SetElement(prefix("198.51.100.20"), 443)))
                .as("answer sets are distinct from allow sets").isEqualTo(Counter.ZERO);
    }

    @Test
    void elementCountersAddUpPerDeclaredRuleAndRejectsCountAsDropped() throws IOException {
        String listing = listing()
                // 198.51.100.10 . 443 was declared twice (rules 0 and 3): both report its packets
                .replaceFirst("\\[\"198.51.100.10\", 443]}, \"counter\": \\{\"packets\": 0, \"bytes\": 0}",
                        "[\"198.51.100.10\", 443]}, \"counter\": {\"packets\": 2, \"bytes\": 120}")
                .replaceFirst("\\[\"2001:db8::7\", 443]}, \"counter\": \\{\"packets\": 0, \"bytes\": 0}",
                        "[\"2001:db8::7\", 443]}, \"counter\": {\"packets\": 1, \"bytes\": 80}")
                .replaceFirst("\"packets\": 0, \"bytes\": 0}}, \\{\"log\": \\{\"prefix\": \"reject-tcp\"",
                        "\"packets\": 3, \"bytes\": 180}}, {\"log\": {\"prefix\": \"reject-tcp\"");
        List<PinnedRule> pinned = Fixtures.pinned();
        EgressCounters counters = EgressCounters.read(RulesetGoldenTest.cellTable(), pinned,
                KernelRuleset.parse(listing));
        assertThat(counters.declared()).extracting(c -> c.accepted().packets()).containsExactly(2L, 0L, 1L, 2L, 0L);
        assertThat(counters.declared().get(2).accepted().bytes()).isEqualTo(80);
        assertThat(counters.fixedRules()).containsKeys("loopback", "established", "dns-elsewhere", "reject-tcp", "reject");
        assertThat(counters.droppedPackets()).isEqualTo(3);
    }

    @Test
    void elementsAreComparedAsAddresses() throws IOException {
        KernelRuleset kernel = KernelRuleset.parse(listing());
        assertThat(kernel.elementCounter(TABLE, AllowSet.IP6_UDP, new SetElement(prefix("2001:db8::/64"), 53)))
                .isEqualTo(Counter.ZERO);
        assertThat(kernel.table(TABLE).orElseThrow().sets().get("allow_ip6_udp").elements())
                .containsExactly(new SetElement(prefix("2001:0db8:0::/64"), 53));
        assertThat(AllowSet.of(new SetElement(prefix("2001:db8::7"), 1), Protocol.TCP)).isEqualTo(AllowSet.IP6_TCP);
    }

    @Test
    void unreadableListingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> KernelRuleset.parse("Error: Could not process rule")).hasMessageContaining("no valid JSON");
        assertThatThrownBy(() -> KernelRuleset.parse("{}")).hasMessageContaining("\"nftables\"");
        assertThatThrownBy(() -> KernelRuleset.parse("{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"t\"}},"
                + "{\"set\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"s\", \"elem\": [{\"range\": [1, 2]}]}}]}"))
                .hasMessageContaining("is not address . port");
    }

    private static String listing() throws IOException {
        return RulesetGoldenTest.golden("kernel-cell-ruleset.json");
    }
}
