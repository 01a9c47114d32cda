package dev.cellrunner.nft;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static dev.cellrunner.nft.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;

/** The generated text, byte for byte; a change here is a change of policy and must be reviewed. */
class RulesetGoldenTest {
    static final String TABLE = "cellrunner_4242_1";
    static final String VETH = "cr4242-1";

    static NftTable cellTable() {
        return CellRuleset.compile(TABLE, AllowSets.of(Fixtures.pinned()), DnsPolicy.forRules(Fixtures.pinned()));
    }

    static final HostAddresses HOST = new HostAddresses(List.of(prefix("198.51.100.1"), prefix("2001:db8::1")),
            List.of(prefix("198.18.0.0/16"), prefix("fdc3:11f0:5a7e::/48")));

    static NftTable hostTable() {
        return hostTable(false);
    }

    static NftTable hostTable(boolean allowHostEgress) {
        return HostFilter.compile(TABLE, VETH, AllowSets.of(Fixtures.pinned()), DnsPolicy.forRules(Fixtures.pinned()),
                Optional.of(prefix("198.18.0.4/30")), Optional.of(prefix("fdc3:11f0:5a7e:1::/64")), HOST, allowHostEgress);
    }

    @Test
    void cellRuleset() throws IOException {
        assertThat(cellTable().text()).isEqualTo(golden("cell-ruleset.nft"));
    }

    @Test
    void hostFilter() throws IOException {
        assertThat(hostTable().text()).isEqualTo(golden("host-filter.nft"));
    }

    @Test
    void withHostEgressAllowedTheHostAdmitsDeclaredDestinationsAndForwardingIsNotNarrowed() throws IOException {
        String text = hostTable(true).text();
        assertThat(text).doesNotContain("never-");
        String toHost = text.substring(text.indexOf("chain to_host"), text.indexOf("chain to_cell"));
        assertThat(toHost).contains("@allow_ip4_tcp counter accept").endsWith("counter drop comment \"drop\"\n\t}\n\t");
    }

    @Test
    void aCellWithoutNamesGetsARangeRuleWhereADeclaredPrefixOverlapsARangeAndTheFinalDropElsewhere()
            throws EgressRefusal {
        List<PinnedRule> literals = EgressPinning.pin(List.of(new dev.cellrunner.spec.EgressRule("198.51.100.10", 443,
                dev.cellrunner.spec.Protocol.TCP)), java.util.Map.of(), HOST, false);
        String none = HostFilter.compile(TABLE, VETH, AllowSets.of(literals), DnsPolicy.REJECTED,
                Optional.of(prefix("198.18.0.4/30")), Optional.empty(), HOST, false).text();
        String fromCell = none.substring(none.indexOf("chain from_cell"), none.indexOf("chain to_host"));
        assertThat(fromCell).as("no declared destination is near the host: nothing but the allow sets is accepted")
                .doesNotContain("never-").doesNotContain("@dns_").endsWith("counter drop comment \"drop\"\n\t}\n\t");

        List<PinnedRule> wide = EgressPinning.pin(List.of(
                new dev.cellrunner.spec.EgressRule("128.0.0.0/2", 443, dev.cellrunner.spec.Protocol.TCP),
                new dev.cellrunner.spec.EgressRule("fe80::/9", 443, dev.cellrunner.spec.Protocol.TCP)),
                java.util.Map.of(), HOST, false);
        String text = HostFilter.compile(TABLE, VETH, AllowSets.of(wide), DnsPolicy.REJECTED,
                Optional.of(prefix("198.18.0.4/30")), Optional.of(prefix("fdc3:11f0:5a7e:1::/64")), HOST, false).text();
        String chain = text.substring(text.indexOf("chain from_cell"), text.indexOf("chain to_host"));
        assertThat(chain.lines().filter(line -> line.contains("never-")).toList()).as("the parts of the declared "
                + "prefixes that lead to the host, dropped before the allow sets").containsExactly(
                "\t\tip daddr 169.254.0.0/16 counter drop comment \"never-link-local-ip4\"",
                "\t\tip6 daddr fe80::/10 counter drop comment \"never-link-local-ip6\"");
        assertThat(chain.indexOf("never-link-local-ip4")).isLessThan(chain.indexOf("@allow_ip4_tcp"));
    }

    @Test
    void auditModeAcceptsAllButTheHostAndCountsTheDeclaredRulesOnTheWay() throws IOException {
        NftTable cell = CellRuleset.compile(TABLE, AllowSets.of(Fixtures.pinned()), DnsPolicy.FORWARDED,
                HostEgress.ranges(HOST));
        NftTable host = HostFilter.compile(TABLE, VETH, AllowSets.of(Fixtures.pinned()), DnsPolicy.FORWARDED,
                Optional.of(prefix("198.18.0.4/30")), Optional.of(prefix("fdc3:11f0:5a7e:1::/64")), HOST, false);
        if (Boolean.getBoolean("golden.update")) {
            java.nio.file.Files.writeString(java.nio.file.Path.of("src/test/resources/golden/cell-ruleset-audit.nft"),
                    cell.text());
            java.nio.file.Files.writeString(java.nio.file.Path.of("src/test/resources/golden/host-filter-audit.nft"),
                    host.text());
        }
        assertThat(cell.text()).isEqualTo(golden("cell-ruleset-audit.nft"));
        assertThat(host.text()).isEqualTo(golden("host-filter-audit.nft"));
        String egress = cell.text().substring(cell.text().indexOf("chain egress"));
        assertThat(egress.indexOf("dns-elsewhere")).as("DNS never leaves, even in audit mode")
                .isLessThan(egress.indexOf("audit-accept"));
        assertThat(egress.indexOf("never-host-address-ip4")).isLessThan(egress.indexOf("audit-accept"));
        assertThat(egress).contains("ip daddr 198.51.100.1 counter log prefix \"never-host-address-ip4\" group 1 reject");
        assertThat(cell.sets()).as("no answer sets: nothing is opened by answers").hasSize(4);
        String toHost = host.text().substring(host.text().indexOf("chain to_host"), host.text().indexOf("chain to_cell"));
        assertThat(toHost).as("the host itself stays closed").doesNotContain("accept comment \"audit-accept\"")
                .endsWith("counter drop comment \"drop\"\n\t}\n\t");
    }

    @Test
    void noEgressStillGetsTheWholeShape() throws IOException {
        assertThat(CellRuleset.compile(TABLE, AllowSets.of(java.util.List.of()), DnsPolicy.NONE).text())
                .isEqualTo(golden("cell-ruleset-empty.nft"));
    }

    @Test
    void addressesOnlyRejectAndLogDnsLikeAnyUndeclaredDestination() throws IOException {
        java.util.List<PinnedRule> literals = Fixtures.pinned().stream().filter(r -> !r.fromHostname()).toList();
        assertThat(DnsPolicy.forRules(literals)).isEqualTo(DnsPolicy.REJECTED);
        assertThat(CellRuleset.compile(TABLE, AllowSets.of(literals), DnsPolicy.REJECTED).text())
                .isEqualTo(golden("cell-ruleset-addresses.nft"));
    }

    @Test
    void ruleCountDoesNotGrowWithDeclaredRules() {
        java.util.List<PinnedRule> many = RandomRules.pinned(new java.util.Random(7)::nextInt, 1000);
        assertThat(CellRuleset.compile(TABLE, AllowSets.of(many), DnsPolicy.ANSWERED).chains().get(1).rules()).hasSize(
                cellTable().chains().get(1).rules().size());
    }

    static String golden(String name) throws IOException {
        try (InputStream in = RulesetGoldenTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden file " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
