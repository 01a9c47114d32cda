package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static dev.cellrunner.linux.Linux.AF_NETLINK;
import static dev.cellrunner.linux.Linux.EAGAIN;
import static dev.cellrunner.linux.Linux.ENOBUFS;
import static dev.cellrunner.linux.Linux.MSG_DONTWAIT;
import static dev.cellrunner.linux.Linux.MSG_TRUNC;
import static dev.cellrunner.linux.Linux.NETLINK_CAP_ACK;
import static dev.cellrunner.linux.Linux.NETLINK_EXT_ACK;
import static dev.cellrunner.linux.Linux.NETLINK_NETFILTER;
import static dev.cellrunner.linux.Linux.SOCK_CLOEXEC;
import static dev.cellrunner.linux.Linux.SOCK_RAW;
import static dev.cellrunner.linux.Linux.SOL_NETLINK;
import static dev.cellrunner.linux.Linux.SOL_SOCKET;
import static dev.cellrunner.linux.Linux.SO_RCVBUFFORCE;

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
    private static final int SOCKADDR_NL_SIZE = 12;
    private static final int BUFFER_SIZE = 256 * 1024;
    private static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    private static final int NFNL_MSG_BATCH_END = 0x11;

    private final int fd;
    private final Memory buffer = new Memory(BUFFER_SIZE);
    private final byte[] received = new byte[BUFFER_SIZE];
    private int sequence;
    private long overruns;
    private boolean closed;

    private NetfilterNetlink(int fd) {
        this.fd = fd;
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
        LibC libc = LibC.INSTANCE;
        int fd;
        try {
            fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw new OsError("socket(AF_NETLINK, protocol " + protocol + ")", e);
        }
        try (Memory one = new Memory(4); Memory address = new Memory(SOCKADDR_NL_SIZE)) {
            one.setInt(0, 1);
            libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
            libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4);
            if (receiveBuffer > 0) {
                one.setInt(0, receiveBuffer);
                libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, one, 4);
            }
            address.clear();
            address.setShort(0, (short) AF_NETLINK);
            address.setInt(8, groups);
            libc.bind(fd, address, SOCKADDR_NL_SIZE);
            return new NetfilterNetlink(fd);
        } catch (LastErrorException e) {
            libc.close(fd);
            throw new OsError("setting up the netlink socket (protocol " + protocol + ")", e);
        }
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
        checkOpen();
        java.io.ByteArrayOutputStream datagram = new java.io.ByteArrayOutputStream();
        int first = sequence + 1;
        datagram.writeBytes(message(0, NFNL_MSG_BATCH_BEGIN, NetlinkMessage.NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES)
                .encode(++sequence));
        for (NetlinkMessage message : messages) {
            datagram.writeBytes(message.encode(++sequence));
        }
        datagram.writeBytes(message(0, NFNL_MSG_BATCH_END, NetlinkMessage.NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES)
                .encode(++sequence));
        send(datagram.toByteArray(), what);
        int awaited = messages.size();
        while (awaited > 0) {
            for (NetlinkReply reply : receive(what, 0)) {
                if (reply.type() != NetlinkReply.NLMSG_ERROR || reply.sequence() < first || reply.sequence() > sequence) {
                    continue;
                }
                if (reply.errorCode() != 0) {
                    throw new NetlinkError(what, -reply.errorCode(), reply.errorMessage().orElse(null));
                }
                awaited--;
            }
        }
    }

    /** Sends one request with NLM_F_ACK and waits for its acknowledgement. */
    public synchronized void request(NetlinkMessage message, String what) throws OsError, NetlinkError {
        checkOpen();
        int seq = ++sequence;
        send(message.encode(seq), what);
        while (true) {
            for (NetlinkReply reply : receive(what, 0)) {
                if (reply.type() == NetlinkReply.NLMSG_ERROR && reply.sequence() == seq) {
                    if (reply.errorCode() != 0) {
                        throw new NetlinkError(what, -reply.errorCode(), reply.errorMessage().orElse(null));
                    }
                    return;
                }
            }
        }
    }

    /** Sends a dump request and returns every answer up to NLMSG_DONE. */
    public synchronized List<NetlinkReply> dump(NetlinkMessage message, String what) throws OsError, NetlinkError {
        checkOpen();
        int seq = ++sequence;
        send(message.encode(seq), what);
        List<NetlinkReply> answers = new ArrayList<>();
        while (true) {
            for (NetlinkReply reply : receive(what, 0)) {
                if (reply.sequence() != seq) {
                    continue;
                }
                if (reply.type() == NetlinkReply.NLMSG_ERROR || reply.type() == NetlinkReply.NLMSG_DONE) {
                    if (reply.errorCode() != 0) {
                        throw new NetlinkError(what, -reply.errorCode(), reply.errorMessage().orElse(null));
                    }
                    return answers;
                }
                answers.add(reply);
            }
        }
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
        checkOpen();
        int seq = ++sequence;
        send(message.encode(seq), what);
        return seq;
    }

    /** As {@link #drain}, answers to requests included (their sequence is not 0). */
    public synchronized int drainAnswers(Consumer<NetlinkReply> each) throws OsError {
        return drain(each, true);
    }

    private int drain(Consumer<NetlinkReply> each, boolean answersToo) throws OsError {
        if (closed) {
            return 0;
        }
        int read = 0;
        while (true) {
            List<NetlinkReply> replies = receive("reading reports", MSG_DONTWAIT);
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
        return overruns;
    }

    private void send(byte[] bytes, String what) throws OsError {
        if (bytes.length > BUFFER_SIZE) {
            throw new OsError(what + ": a request of " + bytes.length + " bytes");
        }
        buffer.write(0, bytes, 0, bytes.length);
        try {
            Eintr.retry(() -> LibC.INSTANCE.send(fd, buffer, bytes.length, 0));
        } catch (LastErrorException e) {
            throw new OsError("netlink send (" + what + ")", e);
        }
    }

    /** One datagram's messages; null when {@code MSG_DONTWAIT} found nothing queued. */
    private List<NetlinkReply> receive(String what, int flags) throws OsError {
        while (true) {
            long length;
            try {
                length = Eintr.retry(() -> LibC.INSTANCE.recv(fd, buffer, BUFFER_SIZE, MSG_TRUNC | flags));
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENOBUFS) {
                    overruns++; // the kernel dropped messages that did not fit: read on
                    continue;
                }
                if (e.getErrorCode() == EAGAIN && (flags & MSG_DONTWAIT) != 0) {
                    return null;
                }
                throw new OsError("netlink receive (" + what + ")", e);
            }
            if (length > BUFFER_SIZE) {
                throw new OsError("netlink message of " + length + " bytes (" + what + ") does not fit " + BUFFER_SIZE);
            }
            buffer.read(0, received, 0, (int) length);
            try {
                return NetlinkReply.parse(received, (int) length);
            } catch (IllegalArgumentException e) {
                throw new OsError("malformed netlink message (" + what + "): " + e.getMessage());
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the netlink socket is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
            buffer.close();
        }
    }
}
