package dev.cellrunner.runner.os;

import java.util.List;
import java.util.function.Consumer;

import static dev.cellrunner.linux.Linux.MSG_DONTWAIT;
import static dev.cellrunner.linux.Linux.NETLINK_NETFILTER;

/**
 * A NETLINK_NETFILTER socket: nftables batches (set elements), nfnetlink_log and conntrack. Like every
 * netlink socket it acts on the network namespace of the thread that created it, for its whole life,
 * whichever thread uses it: open it on a cell's launch thread to act on the cell. Requests are
 * synchronous (sent, then the kernel's acknowledgement awaited); reports the kernel sends unasked (log
 * packets, conntrack events) queue in the socket's buffer and are read without blocking by
 * {@link #drain}, so no thread waits on them.
 */
public final class NetfilterNetlink implements AutoCloseable {
    public static final int NFNL_SUBSYS_CTNETLINK = 1;
    public static final int NFNL_SUBSYS_ULOG = 4;
    public static final int NFNL_SUBSYS_NFTABLES = 10;
    private static final int BUFFER_SIZE = 256 * 1024;
    private static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    private static final int NFNL_MSG_BATCH_END = 0x11;

    private final NetlinkSocket socket;

    private NetfilterNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * A socket in the calling thread's network namespace, a member of the multicast {@code groups}
     * (a bit mask, bit n-1 for group n; 0 for none), with a receive buffer of {@code receiveBuffer} bytes
     * (0 keeps the default) so that reports wait there until drained.
     */
    public static NetfilterNetlink open(int groups, int receiveBuffer) throws OsError {
        return open(NETLINK_NETFILTER, groups, receiveBuffer);
    }

    /**
     * The same for another netlink protocol whose requests and reports take the same shape, e.g.
     * NETLINK_AUDIT for landlock's audit records ({@code message} is for nfnetlink only).
     */
    public static NetfilterNetlink open(int protocol, int groups, int receiveBuffer) throws OsError {
        return new NetfilterNetlink(NetlinkSocket.open(protocol, "protocol " + protocol, groups, receiveBuffer,
                BUFFER_SIZE, true));
    }

    /** An nfnetlink message: the 4-byte {@code nfgenmsg} header (family, version 0, resource id) written. */
    public static NetlinkMessage message(int subsystem, int type, int flags, int family, int resourceId) {
        return new NetlinkMessage((subsystem << 8) | type, flags).u8(family).u8(0)
                .u16(Short.toUnsignedInt(Short.reverseBytes((short) resourceId)));
    }

    /**
     * Sends nftables messages as one transaction (between batch begin and end) and waits for the kernel
     * to acknowledge each; the first refusal is thrown with the kernel's reason.
     */
    public synchronized void transaction(List<NetlinkMessage> messages, String what) throws OsError, NetlinkError {
        socket.checkOpen();
        java.io.ByteArrayOutputStream datagram = new java.io.ByteArrayOutputStream();
        int first = socket.lastSequence() + 1;
        datagram.writeBytes(message(0, NFNL_MSG_BATCH_BEGIN, NetlinkMessage.NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES)
                .encode(socket.nextSequence()));
        for (NetlinkMessage message : messages) {
            datagram.writeBytes(message.encode(socket.nextSequence()));
        }
        int last = socket.nextSequence();
        datagram.writeBytes(message(0, NFNL_MSG_BATCH_END, NetlinkMessage.NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES)
                .encode(last));
        socket.send(datagram.toByteArray(), what);
        int awaited = messages.size();
        while (awaited > 0) {
            for (NetlinkReply reply : socket.receive(what, 0)) {
                if (reply.type() != NetlinkReply.NLMSG_ERROR || reply.sequence() < first || reply.sequence() > last) {
                    continue;
                }
                NetlinkSocket.throwIfRefused(reply, what);
                awaited--;
            }
        }
    }

    /** Sends one request with NLM_F_ACK and waits for its acknowledgement. */
    public synchronized void request(NetlinkMessage message, String what) throws OsError, NetlinkError {
        socket.exchange(message, what, true);
    }

    /** Sends a dump request and returns every answer up to NLMSG_DONE. */
    public synchronized List<NetlinkReply> dump(NetlinkMessage message, String what) throws OsError, NetlinkError {
        return socket.exchange(message, what, true);
    }

    /** Hands every report already queued to {@code each}, without waiting; returns how many it read. */
    public synchronized int drain(Consumer<NetlinkReply> each) throws OsError {
        return drain(each, false);
    }

    /**
     * Sends {@code message} without waiting for anything: for protocols whose answer comes later and
     * asynchronously (audit's AUDIT_GET); {@link #drainAnswers} then hands it over. Returns its sequence.
     */
    public synchronized int send(NetlinkMessage message, String what) throws OsError {
        socket.checkOpen();
        int seq = socket.nextSequence();
        socket.send(message.encode(seq), what);
        return seq;
    }

    /** As {@link #drain}, answers to requests included (their sequence is not 0). */
    public synchronized int drainAnswers(Consumer<NetlinkReply> each) throws OsError {
        return drain(each, true);
    }

    private int drain(Consumer<NetlinkReply> each, boolean answersToo) throws OsError {
        if (socket.isClosed()) {
            return 0;
        }
        int read = 0;
        while (true) {
            List<NetlinkReply> replies = socket.receive("reading reports", MSG_DONTWAIT);
            if (replies == null) {
                return read;
            }
            for (NetlinkReply reply : replies) {
                if (answersToo || reply.sequence() == 0) {
                    each.accept(reply);
                    read++;
                }
            }
        }
    }

    /** Times the kernel could not queue a report because the buffer was full (ENOBUFS). */
    public synchronized long overruns() {
        return socket.overruns();
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
