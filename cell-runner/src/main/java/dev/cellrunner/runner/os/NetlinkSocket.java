package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.linux.Linux;

import java.util.ArrayList;
import java.util.List;

/**
 * What every netlink socket of the runner does alike ({@link RouteNetlink}, {@link NetfilterNetlink}):
 * the socket made with extended acknowledgements and bound, a datagram sent, a datagram received and
 * split into messages, and a request answered up to its acknowledgement or NLMSG_DONE. The socket belongs
 * to the network namespace of the thread that opened it. Not thread-safe: its owner serialises calls.
 */
final class NetlinkSocket implements AutoCloseable {
    private final int fd;
    private final int bufferSize;
    private final boolean readOnAfterOverrun;
    /**
     * Native: only the pages a datagram fills are touched. Each datagram is copied out at its own length;
     * a heap array of the buffer's size, zeroed at every open, cost about 1 ms per 256 KiB here.
     */
    private final Memory buffer;
    private int sequence;
    private long overruns;
    private boolean closed;

    private NetlinkSocket(int fd, int bufferSize, boolean readOnAfterOverrun) {
        this.fd = fd;
        this.bufferSize = bufferSize;
        this.readOnAfterOverrun = readOnAfterOverrun;
        this.buffer = new Memory(bufferSize);
    }

    /**
     * A socket of {@code protocol} ({@code label} names it in errors) in the calling thread's network
     * namespace, in the multicast {@code groups} (a bit mask; 0 for none), with a kernel receive buffer of
     * {@code receiveBuffer} bytes (0 keeps the default) and datagrams of up to {@code bufferSize} bytes.
     * {@code readOnAfterOverrun}: a receive that finds messages dropped (ENOBUFS, a report socket whose
     * buffer filled) counts them and reads on, where a request socket would fail.
     */
    static NetlinkSocket open(int protocol, String label, int groups, int receiveBuffer, int bufferSize,
                              boolean readOnAfterOverrun) throws OsError {
        LibC libc = LibC.INSTANCE;
        int fd;
        try {
            fd = libc.socket(Linux.AF_NETLINK, Linux.SOCK_RAW | Linux.SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw new OsError("socket(AF_NETLINK, " + label + ")", e);
        }
        try (Memory one = new Memory(4); Memory address = new Memory(Linux.SOCKADDR_NL_SIZE)) {
            one.setInt(0, 1);
            libc.setsockopt(fd, Linux.SOL_NETLINK, Linux.NETLINK_EXT_ACK, one, 4);
            libc.setsockopt(fd, Linux.SOL_NETLINK, Linux.NETLINK_CAP_ACK, one, 4);
            if (receiveBuffer > 0) {
                one.setInt(0, receiveBuffer);
                libc.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUFFORCE, one, 4);
            }
            address.clear();
            address.setShort(0, (short) Linux.AF_NETLINK);
            address.setInt(Linux.SOCKADDR_NL_GROUPS_OFFSET, groups);
            libc.bind(fd, address, Linux.SOCKADDR_NL_SIZE);
            return new NetlinkSocket(fd, bufferSize, readOnAfterOverrun);
        } catch (LastErrorException e) {
            libc.close(fd);
            throw new OsError("setting up the netlink socket (" + label + ")", e);
        }
    }

    /** The sequence number of the next request. */
    int nextSequence() {
        return ++sequence;
    }

    /** The sequence number given last. */
    int lastSequence() {
        return sequence;
    }

    /** Times the kernel dropped messages because the receive buffer was full (ENOBUFS). */
    long overruns() {
        return overruns;
    }

    boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the netlink socket is closed");
        }
    }

    /**
     * Sends {@code message} under the next sequence number and returns what answered it: with
     * {@code untilEnd}, every answer up to the acknowledgement or NLMSG_DONE; otherwise the first answer
     * (or nothing when the acknowledgement comes first). An error acknowledgement is thrown with the
     * kernel's reason; messages of other sequence numbers (answers to an earlier request that gave up,
     * reports) are passed over.
     */
    List<NetlinkReply> exchange(NetlinkMessage message, String what, boolean untilEnd) throws OsError, NetlinkError {
        checkOpen();
        int seq = nextSequence();
        send(message.encode(seq), what);
        List<NetlinkReply> answers = new ArrayList<>();
        while (true) {
            for (NetlinkReply reply : receive(what, 0)) {
                if (reply.sequence() != seq) {
                    continue;
                }
                if (reply.type() == NetlinkReply.NLMSG_ERROR || reply.type() == NetlinkReply.NLMSG_DONE) {
                    throwIfRefused(reply, what);
                    return answers;
                }
                answers.add(reply);
                if (!untilEnd) {
                    return answers;
                }
            }
        }
    }

    /** An NLMSG_ERROR with a non-zero code as {@link NetlinkError} with the kernel's text. */
    static void throwIfRefused(NetlinkReply reply, String what) throws NetlinkError {
        if (reply.errorCode() != 0) {
            throw new NetlinkError(what, -reply.errorCode(), reply.errorMessage().orElse(null));
        }
    }

    /** One datagram, as it is. */
    void send(byte[] bytes, String what) throws OsError {
        checkOpen();
        if (bytes.length > bufferSize) {
            throw new OsError(what + ": a request of " + bytes.length + " bytes");
        }
        buffer.write(0, bytes, 0, bytes.length);
        try {
            Eintr.retry(() -> LibC.INSTANCE.send(fd, buffer, bytes.length, 0));
        } catch (LastErrorException e) {
            throw new OsError("netlink send (" + what + ")", e);
        }
    }

    /** One datagram's messages; null when {@code MSG_DONTWAIT} in {@code flags} found nothing queued. */
    List<NetlinkReply> receive(String what, int flags) throws OsError {
        while (true) {
            // quiet: with MSG_DONTWAIT, nothing queued (EAGAIN) is a common answer
            long length = Eintr.retryQuiet(() -> QuietLibC.INSTANCE.recv(fd, buffer, bufferSize,
                    Linux.MSG_TRUNC | flags), QuietLibC::errno);
            if (length < 0) {
                int errno = QuietLibC.errno();
                if (errno == Linux.ENOBUFS && readOnAfterOverrun) {
                    overruns++; // the kernel dropped messages that did not fit: read on
                    continue;
                }
                if (errno == Linux.EAGAIN && (flags & Linux.MSG_DONTWAIT) != 0) {
                    return null;
                }
                throw new OsError("netlink receive (" + what + ")", errno);
            }
            if (length > bufferSize) {
                throw new OsError("netlink message of " + length + " bytes (" + what + ") does not fit " + bufferSize);
            }
            try {
                return NetlinkReply.parse(buffer.getByteArray(0, (int) length), (int) length);
            } catch (IllegalArgumentException e) {
                throw new OsError("malformed netlink message (" + what + "): " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
            buffer.close();
        }
    }
}
