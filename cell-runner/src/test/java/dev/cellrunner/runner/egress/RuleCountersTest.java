package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.Counter;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.NetlinkReply;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rule counters from nftables' netlink answers, without a kernel: a real dump, and messages built here
 * for what that dump does not show. {@code getrule-dump.hex} holds the NFT_MSG_NEWRULE messages a 6.18
 * kernel answered to {@link RuleCounters#read}'s request for {@link RuleCountersKernelTest}'s table,
 * after that test's packets (3 to 127.0.0.2, 2 to 127.0.0.1), one message a line, re-encoded from the
 * replies with the port id zeroed (captured once by a throwaway test in a scratch namespace).
 */
class RuleCountersTest {
    private static final int NEWRULE = (NetfilterNetlink.NFNL_SUBSYS_NFTABLES << 8) | 6;

    @Test
    void aDumpGivesEachCommentedRulesCounterByChainAndComment() throws IOException {
        RuleCounters counters = RuleCounters.parse(dump());
        assertThat(counters.of("output", "udp, counted twice")).contains(new Counter(5, 145));
        assertThat(counters.of("output", "drop to .2")).contains(new Counter(3, 87));
        assertThat(counters.of("output", "to .1")).contains(new Counter(2, 58));
        assertThat(counters.of("input", "in")).contains(new Counter(2, 58));
        assertThat(counters.of("output", "no counter")).as("a rule without a counter").isEmpty();
        assertThat(counters.of("input", "to .1")).as("a comment is known in its own chain only").isEmpty();
    }

    @Test
    void aRulesLastCounterCountsAndTheCommentIsFoundAmongOtherUserData() {
        byte[] userData = {1, 4, 0, 0, 0, 1, 0, 6, 'd', 'r', 'o', 'p', 's', 0};
        NetlinkMessage rule = rule("forward", userData, new Counter(1, 10), new Counter(7, 70));
        RuleCounters counters = RuleCounters.parse(replies(rule));
        assertThat(counters.of("forward", "drops")).contains(new Counter(7, 70));
    }

    @Test
    void aRuleWithoutCommentOrWithCutUserDataHasNoCounterAndOtherMessagesArePassedOver() {
        byte[] cut = {0, 9, 'd', 'r', 'o', 'p', 's', 0};
        NetlinkMessage other = NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_NFTABLES, 3, 0, 1, 0)
                .attribute(2, "forward");
        RuleCounters counters = RuleCounters.parse(replies(rule("forward", null, new Counter(1, 10)),
                rule("forward", cut, new Counter(2, 20)), other));
        assertThat(counters.of("forward", "drops")).isEmpty();
        assertThat(counters.of("forward", null)).isEmpty();
    }

    /** An NFT_MSG_NEWRULE as the kernel writes it: table, chain, expressions (counters only), user data. */
    private static NetlinkMessage rule(String chain, byte[] userData, Counter... counters) {
        NetlinkMessage message = NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_NFTABLES, 6, 0, 1, 0)
                .attribute(1, "cellrunner_1_1").attribute(2, chain).begin(4 | NetlinkMessage.NLA_F_NESTED);
        for (Counter counter : counters) {
            message.begin(1 | NetlinkMessage.NLA_F_NESTED).attribute(1, "counter").begin(2 | NetlinkMessage.NLA_F_NESTED)
                    .attribute(1, ByteBuffer.allocate(8).putLong(counter.bytes()).array())
                    .attribute(2, ByteBuffer.allocate(8).putLong(counter.packets()).array()).end().end();
        }
        message.end();
        return userData == null ? message : message.attribute(7, userData);
    }

    private static List<NetlinkReply> replies(NetlinkMessage... messages) {
        List<NetlinkReply> replies = new ArrayList<>();
        for (NetlinkMessage message : messages) {
            byte[] bytes = message.encode(1);
            replies.addAll(NetlinkReply.parse(bytes, bytes.length));
        }
        assertThat(replies).extracting(NetlinkReply::type).contains(NEWRULE);
        return replies;
    }

    private static List<NetlinkReply> dump() throws IOException {
        try (InputStream in = RuleCountersTest.class.getResourceAsStream("getrule-dump.hex")) {
            List<NetlinkReply> replies = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip().split("\n")) {
                byte[] message = HexFormat.of().parseHex(line.strip());
                replies.addAll(NetlinkReply.parse(message, message.length));
            }
            assertThat(replies).hasSize(6).extracting(NetlinkReply::type).containsOnly(NEWRULE);
            return replies;
        }
    }
}
