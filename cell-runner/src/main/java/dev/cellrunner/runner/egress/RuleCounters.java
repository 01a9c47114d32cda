package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.Counter;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkError;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.NetlinkReply;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.OsError;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static dev.cellrunner.linux.Linux.EINTR;
import static dev.cellrunner.linux.Linux.NFPROTO_INET;
import static dev.cellrunner.linux.Linux.NFTA_LIST_ELEM;

/**
 * The packet and byte counters of one table's rules, read with one nftables netlink dump (the table's
 * rules, NFT_MSG_GETRULE) rather than a libnftables listing: no JSON, and no wait for libnftables'
 * process-wide lock, behind which a cell's own listing would queue. A rule is known, as in
 * {@link dev.cellrunner.nft.KernelRuleset}, by its chain and comment; its counter is its last counter
 * expression, and a rule without a comment or a counter has none.
 */
final class RuleCounters {
    private static final int NFT_MSG_NEWRULE = 6;
    private static final int NFT_MSG_GETRULE = 7;
    private static final int NFTA_RULE_TABLE = 1;
    private static final int NFTA_RULE_CHAIN = 2;
    private static final int NFTA_RULE_EXPRESSIONS = 4;
    private static final int NFTA_RULE_USERDATA = 7;
    private static final int NFTA_EXPR_NAME = 1;
    private static final int NFTA_EXPR_DATA = 2;
    private static final int NFTA_COUNTER_BYTES = 1;
    private static final int NFTA_COUNTER_PACKETS = 2;
    /** libnftnl's rule user data: u8 type, u8 length, value; the comment is NUL-terminated. */
    private static final int NFTNL_UDATA_RULE_COMMENT = 0;
    private static final int NFGENMSG_SIZE = 4;
    /** nft itself dumps again until a dump is not interrupted; here a few times, then the read fails. */
    private static final int ATTEMPTS = 3;
    /**
     * One socket per namespace (the runner's, in a runner; a socket acts on the namespace of the thread
     * that opened it), opened by its first reader and kept for the runner's life rather than closed after
     * each dump: the last close of a netfilter socket may wait ~10 ms for the kernel (see {@link
     * Nftables}), and a cell's end should not. One that failed is replaced and closed on another thread.
     */
    private static final Map<String, NetfilterNetlink> SOCKETS = new HashMap<>();

    /** A rule's name in the counters: its chain and comment. */
    record Rule(String chain, String comment) {
    }

    private final Map<Rule, Counter> counters;

    private RuleCounters(Map<Rule, Counter> counters) {
        this.counters = counters;
    }

    /** The counter of the rule commented {@code comment} in {@code chain}, if the kernel reported one. */
    Optional<Counter> of(String chain, String comment) {
        return Optional.ofNullable(counters.get(new Rule(chain, comment)));
    }

    /**
     * The counters of {@code table} (inet) in the calling thread's namespace, through that namespace's
     * long-lived socket; empty when {@link #read} finds no rule, the kernel refused the dump or it kept
     * being interrupted, or the socket failed (then it is replaced).
     */
    static Optional<RuleCounters> readHere(String table) {
        NetfilterNetlink socket = null;
        try {
            socket = socketHere();
            return read(socket, table);
        } catch (NetlinkError e) {
            return Optional.empty();
        } catch (OsError e) {
            if (socket != null) {
                discard(socket);
            }
            return Optional.empty();
        }
    }

    /**
     * The counters of {@code table} (inet) through {@code socket}; an interrupted dump is read again.
     * Empty when the kernel dumped no rule: a dump for a table that does not exist is not refused, it is
     * empty, so a table without rules reads as absent.
     */
    static Optional<RuleCounters> read(NetfilterNetlink socket, String table) throws OsError, NetlinkError {
        NetlinkMessage request = NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_NFTABLES, NFT_MSG_GETRULE,
                NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_DUMP, NFPROTO_INET, 0)
                .attribute(NFTA_RULE_TABLE, table);
        for (int attempt = 1; ; attempt++) {
            List<NetlinkReply> rules = socket.dump(request, "list the rules of table inet " + table);
            if (rules.stream().noneMatch(r -> (r.flags() & NetlinkReply.NLM_F_DUMP_INTR) != 0)) {
                return rules.stream().anyMatch(RuleCounters::isRule) ? Optional.of(parse(rules)) : Optional.empty();
            }
            if (attempt == ATTEMPTS) {
                throw new NetlinkError("list the rules of table inet " + table, EINTR, "the ruleset kept changing");
            }
        }
    }

    /** The counters in a dump's NFT_MSG_NEWRULE messages; other messages are passed over. */
    static RuleCounters parse(List<NetlinkReply> rules) {
        Map<Rule, Counter> counters = new HashMap<>();
        for (NetlinkReply rule : rules) {
            if (!isRule(rule)) {
                continue;
            }
            Map<Integer, byte[]> attributes = rule.attributes(NFGENMSG_SIZE);
            byte[] chain = attributes.get(NFTA_RULE_CHAIN);
            String comment = comment(attributes.get(NFTA_RULE_USERDATA));
            Counter counter = lastCounter(attributes.get(NFTA_RULE_EXPRESSIONS));
            if (chain != null && comment != null && counter != null) {
                counters.put(new Rule(NetlinkReply.string(chain), comment), counter);
            }
        }
        return new RuleCounters(counters);
    }

    private static boolean isRule(NetlinkReply message) {
        return message.type() == ((NetfilterNetlink.NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE);
    }

    private static Counter lastCounter(byte[] expressions) {
        Counter counter = null;
        for (NetlinkReply.Attribute element : NetlinkReply.nested(expressions)) {
            if (element.type() != NFTA_LIST_ELEM) {
                continue;
            }
            Map<Integer, byte[]> expression = NetlinkReply.nestedByType(element.value());
            byte[] name = expression.get(NFTA_EXPR_NAME);
            if (name != null && "counter".equals(NetlinkReply.string(name))) {
                Map<Integer, byte[]> data = NetlinkReply.nestedByType(expression.get(NFTA_EXPR_DATA));
                counter = new Counter(NetlinkReply.bigEndianU64(data.get(NFTA_COUNTER_PACKETS)),
                        NetlinkReply.bigEndianU64(data.get(NFTA_COUNTER_BYTES)));
            }
        }
        return counter;
    }

    /** The comment in a rule's user data (libnftnl's TLVs), or null. */
    private static String comment(byte[] userData) {
        if (userData == null) {
            return null;
        }
        int at = 0;
        while (at + 2 <= userData.length) {
            int type = Byte.toUnsignedInt(userData[at]);
            int length = Byte.toUnsignedInt(userData[at + 1]);
            if (at + 2 + length > userData.length) {
                return null;
            }
            if (type == NFTNL_UDATA_RULE_COMMENT) {
                return NetlinkReply.string(Arrays.copyOfRange(userData, at + 2, at + 2 + length));
            }
            at += 2 + length;
        }
        return null;
    }

    private static NetfilterNetlink socketHere() throws OsError {
        String namespace = Nftables.namespaceOfThisThread();
        synchronized (SOCKETS) {
            NetfilterNetlink socket = SOCKETS.get(namespace);
            if (socket == null) {
                socket = NetfilterNetlink.open(0, 0);
                SOCKETS.put(namespace, socket);
            }
            return socket;
        }
    }

    private static void discard(NetfilterNetlink broken) {
        synchronized (SOCKETS) {
            SOCKETS.values().remove(broken);
        }
        CompletableFuture.runAsync(broken::close);
    }
}
