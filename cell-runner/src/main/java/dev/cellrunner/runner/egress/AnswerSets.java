package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.AllowSet;
import dev.cellrunner.runner.dns.AnswerGate;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkError;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.spec.Protocol;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static dev.cellrunner.linux.Linux.NFPROTO_INET;
import static dev.cellrunner.linux.Linux.NFTA_LIST_ELEM;

/**
 * Adds answered addresses to a cell's answer sets ({@code dns_ip4_tcp} ...) in its own ruleset and in
 * its host filter, each element with a timeout, as raw nftables netlink messages (NEWSETELEM in one
 * transaction per side): about a tenth of a libnftables command, which parses, caches and lists. An
 * element that exists gets the new timeout (Linux updates an element's timeout and expiry when it is
 * added again). The cell's socket was opened inside the cell; the host's in the runner's namespace,
 * one for the runner's life.
 */
public final class AnswerSets implements AnswerGate {
    private static final int NFT_MSG_NEWSETELEM = 12;
    private static final int NFTA_SET_ELEM_LIST_TABLE = 1;
    private static final int NFTA_SET_ELEM_LIST_SET = 2;
    private static final int NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    private static final int NFTA_SET_ELEM_KEY = 1;
    private static final int NFTA_SET_ELEM_TIMEOUT = 4;
    private static final int NFTA_SET_ELEM_EXPIRATION = 5;
    private static final int NFTA_DATA_VALUE = 1;
    private static NetfilterNetlink hostSocket;

    private final String table;
    private final NetfilterNetlink cell;
    private final boolean host;

    /**
     * @param cell a socket opened inside the cell
     * @param host whether the host filter (same table name, the runner's namespace) holds answer sets too
     */
    public AnswerSets(String table, NetfilterNetlink cell, boolean host) {
        this.table = table;
        this.cell = cell;
        this.host = host;
    }

    /** The runner's own socket, opened by the first caller, which must be a thread in the runner's namespace. */
    static synchronized NetfilterNetlink hostSocket() throws OsError {
        if (hostSocket == null) {
            hostSocket = NetfilterNetlink.open(0, 0);
        }
        return hostSocket;
    }

    @Override
    public void open(List<Opening> openings) throws OsError, NetlinkError {
        Map<AllowSet, List<Opening>> bySet = new EnumMap<>(AllowSet.class);
        for (Opening opening : openings) {
            Protocol protocol = opening.rule().declared().protocol();
            bySet.computeIfAbsent(AllowSet.of(opening.address() instanceof Inet4Address, protocol),
                    k -> new ArrayList<>()).add(opening);
        }
        List<NetlinkMessage> messages = new ArrayList<>();
        bySet.forEach((set, elements) -> messages.add(newElements(set.answerSetName(), elements)));
        cell.transaction(messages, "add answered addresses to the cell's answer sets");
        if (host) {
            hostSocket().transaction(messages, "add answered addresses to the host filter's answer sets");
        }
    }

    private NetlinkMessage newElements(String set, List<Opening> elements) {
        NetlinkMessage message = NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWSETELEM,
                NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_CREATE | NetlinkMessage.NLM_F_ACK, NFPROTO_INET, 0);
        message.attribute(NFTA_SET_ELEM_LIST_TABLE, table).attribute(NFTA_SET_ELEM_LIST_SET, set)
                .begin(NFTA_SET_ELEM_LIST_ELEMENTS | NetlinkMessage.NLA_F_NESTED);
        for (Opening element : elements) {
            byte[] millis = ByteBuffer.allocate(8).putLong(element.seconds() * 1000).array();
            message.begin(NFTA_LIST_ELEM | NetlinkMessage.NLA_F_NESTED)
                    .begin(NFTA_SET_ELEM_KEY | NetlinkMessage.NLA_F_NESTED).attribute(NFTA_DATA_VALUE, key(element)).end()
                    .attribute(NFTA_SET_ELEM_TIMEOUT, millis).attribute(NFTA_SET_ELEM_EXPIRATION, millis)
                    .end();
        }
        return message.end();
    }

    /** address . inet_service as the kernel stores it: the address, then the port in network order padded to 4. */
    static byte[] key(Opening element) {
        byte[] address = element.address().getAddress();
        ByteBuffer key = ByteBuffer.allocate(address.length + 4);
        key.put(address).putShort((short) element.rule().declared().port()).putShort((short) 0);
        return key.array();
    }
}
