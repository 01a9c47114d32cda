package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.KernelRuleset;
import dev.cellrunner.nft.TableModel;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.ScratchNetns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The netlink dump of a table's rules reads the counters libnftables lists, on the real kernel, in a
 * scratch namespace whose loopback carries the packets. As in a runner, the namespace's dump socket
 * lives as long as this JVM, and with it that namespace.
 */
class RuleCountersKernelTest {
    static final String TABLE = "cellrunner_counters";
    /**
     * Output counts UDP (two counters in one rule), drops to 127.0.0.2 port 9, counts what goes to
     * 127.0.0.1; the last rules lack a comment or a counter. RuleCountersTest's dump is of this table.
     */
    static final String RULESET = "table inet " + TABLE + " {\n"
            + "  chain output {\n"
            + "    type filter hook output priority 0; policy accept;\n"
            + "    meta l4proto udp counter counter comment \"udp, counted twice\"\n"
            + "    ip daddr 127.0.0.2 udp dport 9 counter drop comment \"drop to .2\"\n"
            + "    ip daddr 127.0.0.1 udp dport 9 counter accept comment \"to .1\"\n"
            + "    ip daddr 127.0.0.3 counter drop\n"
            + "    ip daddr 127.0.0.4 drop comment \"no counter\"\n"
            + "  }\n"
            + "  chain input {\n"
            + "    type filter hook input priority 0; policy accept;\n"
            + "    udp dport 9 counter comment \"in\"\n"
            + "  }\n"
            + "}\n";
    private ScratchNetns scratch;

    @BeforeEach
    void loadATableWithCountedRules() throws Exception {
        scratch = ScratchNetns.create("rule-counters");
        scratch.call(() -> {
            try (Nftables.Session nft = Nftables.open()) {
                assertThat(nft.run(RULESET).errors()).isEmpty();
            }
            return null;
        });
    }

    @AfterEach
    void close() throws Exception {
        scratch.close();
    }

    @Test
    void theDumpReadsEveryCommentedRulesCounterAsTheListingDoes() throws Exception {
        scratch.call(() -> {
            send("127.0.0.2", 3);
            send("127.0.0.1", 2);
            return null;
        });

        RuleCounters read = scratch.call(() -> RuleCounters.readHere(TABLE)).orElseThrow();
        KernelRuleset listed = scratch.call(() -> {
            try (Nftables.Session nft = Nftables.open()) {
                return KernelRuleset.parse(nft.listJson("list table inet " + TABLE).output());
            }
        });
        TableModel table = listed.table(TABLE).orElseThrow();
        assertThat(table.rules()).hasSize(6);
        for (TableModel.RuleModel rule : table.rules()) {
            assertThat(read.of(rule.chain(), rule.comment()))
                    .as("%s / %s", rule.chain(), rule.comment())
                    .isEqualTo(rule.comment() == null ? Optional.empty()
                            : listed.ruleCounter(TABLE, rule.chain(), rule.comment()));
        }
        assertThat(read.of("output", "drop to .2")).get().extracting(c -> c.packets()).isEqualTo(3L);
        assertThat(read.of("output", "to .1")).get().extracting(c -> c.packets()).isEqualTo(2L);
        assertThat(read.of("input", "in")).get().extracting(c -> c.packets()).isEqualTo(2L);
        assertThat(read.of("output", "udp, counted twice")).get().extracting(c -> c.packets()).isEqualTo(5L);
        assertThat(read.of("output", "no counter")).isEmpty();
    }

    @Test
    void aTableTheKernelDoesNotHoldReadsAsNothing() throws Exception {
        assertThat(scratch.call(() -> RuleCounters.readHere("cellrunner_absent"))).isEmpty();
    }

    /** UDP datagrams to port 9 of {@code address} from this thread's namespace; a dropped one fails to send. */
    static void send(String address, int count) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            for (int i = 0; i < count; i++) {
                try {
                    socket.send(new DatagramPacket(new byte[] {1}, 1, InetAddress.getByName(address), 9));
                } catch (IOException dropped) {
                    // nft's drop in output is EPERM to the sender
                }
            }
        }
    }
}
