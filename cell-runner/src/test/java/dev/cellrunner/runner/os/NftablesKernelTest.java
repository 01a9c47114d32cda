package dev.cellrunner.runner.os;

import dev.cellrunner.nft.AllowSets;
import dev.cellrunner.nft.CellRuleset;
import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.KernelRuleset;
import dev.cellrunner.nft.NftTable;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * libnftables through JNA on the real kernel, in scratch namespaces. What the library did is checked
 * from outside with the nft command (through nsenter), never only through the library itself.
 */
class NftablesKernelTest {
    private final String table = "netpath_t" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    private ScratchNetns scratch;

    @BeforeEach
    void scratchNamespace() throws Exception {
        assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/nft")),
                "SKIP: the nft command (the independent check) is not installed");
        scratch = ScratchNetns.create("nft-test");
    }

    @AfterEach
    void endNamespace() throws InterruptedException {
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void aSessionActsOnTheNamespaceOfTheThreadThatOpenedItAndListsWhatNftLists() throws Exception {
        String script = "table inet " + table + " {\n chain out {\n  type filter hook output priority 0; policy accept;\n"
                + "  counter comment \"all\"\n }\n}\n";
        String listed = scratch.call(() -> {
            try (Nftables.Session nft = Nftables.open()) {
                Nftables.Result applied = nft.run(script);
                assertThat(applied.ok()).as(applied.errors()).isTrue();
                return nft.listJson("list ruleset").output();
            }
        });
        assertThat(listed).contains("\"name\": \"" + table + "\"");
        assertThat(scratch.outside("nft", "-j", "list", "ruleset")).as("the nft command, inside the namespace")
                .isEqualTo(listed);
        ScratchNetns.Result here = ScratchNetns.Result.of(new ProcessBuilder("nft", "list", "table", "inet", table).start());
        assertThat(here.exitCode()).as("the table is not in the test's own namespace").isNotZero();
    }

    @Test
    void theCellRulesetLoadsAndReadsBackAsCompiled() throws Exception {
        NftTable compiled = CellRuleset.compile(table, AllowSets.of(EgressPinning.pin(List.of(
                new EgressRule("198.51.100.10", 443, Protocol.TCP), new EgressRule("2001:db8::/64", 53, Protocol.UDP)),
                Map.of())), DnsPolicy.REJECTED);
        KernelRuleset kernel = KernelRuleset.parse(scratch.call(() -> {
            try (Nftables.Session nft = Nftables.open()) {
                assertThat(nft.run(compiled.text()).ok()).isTrue();
                return nft.listJson("list ruleset").output();
            }
        }));
        assertThat(kernel.tableNames()).containsExactly("inet " + table);
        assertThat(compiled.expected().differencesFrom(kernel.table(table).orElseThrow())).isEmpty();
        assertThat(KernelRuleset.parse(scratch.outside("nft", "-j", "list", "ruleset")).digest())
                .isEqualTo(kernel.digest());
    }

    @Test
    void aScriptTheKernelRefusesChangesNothingAndSaysWhy() throws Exception {
        String script = "table inet " + table + "\ntable inet " + table + "_b {\n chain c {\n"
                + "  type filter hook output priority 0;\n  ip daddr 198.51.100.1 jump nowhere\n }\n}\n";
        Nftables.Result result = scratch.call(() -> {
            try (Nftables.Session nft = Nftables.open()) {
                return nft.run(script);
            }
        });
        assertThat(result.ok()).isFalse();
        assertThat(result.error()).contains("Error");
        assertThat(scratch.outside("nft", "list", "ruleset")).as("one transaction: nothing was loaded").isBlank();
    }

    @Test
    void closingReleasesTheContextsSocketAlsoWhenLeftToTheTimerThread() throws Exception {
        int before = netfilterSockets().size();
        Nftables.Session now = Nftables.open();
        Nftables.Session later = Nftables.open();
        assertThat(netfilterSockets()).as("one netfilter socket per context").hasSize(before + 2);
        now.close();
        later.closeLater();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (netfilterSockets().size() > before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(netfilterSockets()).hasSize(before);
        assertThatThrownBy(() -> now.listJson("list tables")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static java.util.Set<Integer> netfilterSockets() throws OsError {
        return Nftables.netfilterSockets(Nftables.openDescriptors());
    }

    @Test
    void aSessionIsUsedFromItsOwnNamespaceOnly() throws Exception {
        Nftables.Session session = scratch.call(Nftables::open);
        try {
            assertThatThrownBy(() -> session.listJson("list ruleset")).as("from the test's thread, another namespace")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("only from threads in that namespace");
        } finally {
            scratch.call(() -> {
                session.close();
                return null;
            });
        }
    }

    @Test
    void aSessionServesAnyThreadOfItsNamespace() throws Exception {
        try (Nftables.Session session = Nftables.open()) {
            java.util.concurrent.CompletableFuture<Nftables.Result> other = new java.util.concurrent.CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    other.complete(session.listJson("list tables"));
                } catch (Exception e) {
                    other.completeExceptionally(e);
                }
            });
            thread.start();
            assertThat(other.get().ok()).as(other.get().errors()).isTrue();
            assertThat(other.get().output()).startsWith("{\"nftables\": [{\"metainfo\"");
        }
    }
}
