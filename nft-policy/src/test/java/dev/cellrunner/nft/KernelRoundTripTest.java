package dev.cellrunner.nft;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real nft, real kernel: what we compile loads, and what the kernel reports back equals what we meant.
 */
class KernelRoundTripTest {
    @BeforeAll
    static void nftAvailable() {
        ScratchNamespace.assumeAvailable();
    }

    @Test
    void theCellRulesetReadsBackAsCompiled() throws IOException {
        assertRoundTrip(RulesetGoldenTest.cellTable());
    }

    @Test
    void theHostFilterReadsBackAsCompiled() throws IOException {
        assertRoundTrip(RulesetGoldenTest.hostTable());
    }

    @Test
    void aHostFilterAllowingHostEgressReadsBack() throws IOException {
        assertRoundTrip(RulesetGoldenTest.hostTable(true));
    }

    @Test
    void aHostFilterForOneFamilyDropsTheOtherAndReadsBack() throws IOException {
        NftTable table = HostFilter.compile("cellrunner_v4", "cr1-1", AllowSets.of(Fixtures.pinned()), DnsPolicy.ANSWERED,
                java.util.Optional.of(Fixtures.prefix("198.18.0.0/30")), java.util.Optional.empty(),
                RulesetGoldenTest.HOST, false);
        assertThat(table.text()).contains("meta nfproto ipv6 counter drop comment \"spoofed-ip6\"");
        assertRoundTrip(table);
    }

    @Test
    void aRulesetChangedBehindOurBackIsReportedAsDifferent() throws IOException {
        NftTable table = RulesetGoldenTest.cellTable();
        ScratchNamespace.Result result = ScratchNamespace.run("nft -f - && nft delete element inet "
                + table.name() + " allow_ip4_tcp '{ 198.51.100.10 . 443 }' && nft -j list ruleset", table.text());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        KernelRuleset kernel = KernelRuleset.parse(result.stdout());
        assertThat(table.expected().differencesFrom(kernel.table(table.name()).orElseThrow()))
                .containsExactly("set allow_ip4_tcp differs: 1 elements missing, 0 unexpected");
    }

    /** Property: any valid rules compile to a ruleset the kernel accepts and reports back unchanged. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomRulesLoadAndReadBack(long seed) throws IOException {
        Random random = new Random(seed);
        List<PinnedRule> rules = RandomRules.pinned(random::nextInt, 1 + random.nextInt(40));
        NftTable table = CellRuleset.compile("cellrunner_prop", AllowSets.of(rules),
                DnsPolicy.values()[random.nextInt(DnsPolicy.values().length)]);
        ScratchNamespace.Result check = ScratchNamespace.check(table.text());
        assertThat(check.exitCode()).as("nft -c rejected:\n%s\n%s", check.stderr(), table.text()).isZero();
        assertRoundTrip(table);
    }

    /** The same property under Jazzer: replays seeds in a normal build, fuzzes with JAZZER_FUZZ=1. */
    @FuzzTest(maxExecutions = 200)
    void fuzzedRulesAreAccepted(FuzzedDataProvider data) throws IOException {
        List<PinnedRule> rules = RandomRules.pinned(bound -> data.consumeInt(0, bound - 1), data.consumeInt(0, 20));
        NftTable table = CellRuleset.compile("cellrunner_fuzz", AllowSets.of(rules),
                DnsPolicy.values()[data.consumeInt(0, DnsPolicy.values().length - 1)]);
        ScratchNamespace.Result check = ScratchNamespace.check(table.text());
        assertThat(check.exitCode()).as("nft -c rejected:\n%s\n%s", check.stderr(), table.text()).isZero();
    }

    static Stream<Long> seeds() {
        return IntStream.range(0, 25).mapToObj(i -> 0x5eedL + i);
    }

    private static void assertRoundTrip(NftTable table) throws IOException {
        ScratchNamespace.Result result = ScratchNamespace.applyAndList(table.text());
        assertThat(result.exitCode()).as("nft -f failed: %s\n%s", result.stderr(), table.text()).isZero();
        KernelRuleset kernel = KernelRuleset.parse(result.stdout());
        assertThat(kernel.tableNames()).containsExactly("inet " + table.name());
        assertThat(table.expected().differencesFrom(kernel.table(table.name()).orElseThrow())).isEmpty();
    }
}
