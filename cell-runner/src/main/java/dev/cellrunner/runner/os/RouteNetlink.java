package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.linux.Linux;

import java.util.ArrayList;
import java.util.List;

/**
 * A NETLINK_ROUTE socket. A socket belongs to the network namespace of the thread that created it, for
 * its whole life and whichever thread uses it later: open it on a thread inside the namespace it is
 * meant to change (e.g. a cell's launch thread), then use it from one thread at a time. Errors come
 * back as {@link NetlinkError} with the kernel's extended acknowledgement text when it gives one.
 */
public final class RouteNetlink implements AutoCloseable {
    private static final int SOCKADDR_NL_SIZE = 12;
    private static final int BUFFER_SIZE = 64 * 1024;

    private final int fd;
    private final Memory buffer = new Memory(BUFFER_SIZE);
    private final byte[] received = new byte[BUFFER_SIZE];
    private int sequence;
    private boolean closed;

    private RouteNetlink(int fd) {
        this.fd = fd;
    }

    /** A socket in the calling thread's network namespace. */
    public static RouteNetlink open() throws OsError {
        LibC libc = LibC.INSTANCE;
        int fd;
        try {
            fd = libc.socket(Linux.AF_NETLINK, Linux.SOCK_RAW | Linux.SOCK_CLOEXEC, Linux.NETLINK_ROUTE);
        } catch (LastErrorException e) {
            throw new OsError("socket(AF_NETLINK, NETLINK_ROUTE)", e);
        }
        try (Memory one = new Memory(4); Memory address = new Memory(SOCKADDR_NL_SIZE)) {
            one.setInt(0, 1);
            libc.setsockopt(fd, Linux.SOL_NETLINK, Linux.NETLINK_EXT_ACK, one, 4);
            libc.setsockopt(fd, Linux.SOL_NETLINK, Linux.NETLINK_CAP_ACK, one, 4);
            address.clear();
            address.setShort(0, (short) Linux.AF_NETLINK);
            libc.bind(fd, address, SOCKADDR_NL_SIZE);
            return new RouteNetlink(fd);
        } catch (LastErrorException e) {
            libc.close(fd);
            throw new OsError("setting up the NETLINK_ROUTE socket", e);
        }
    }

    /**
     * Sends a request and returns the kernel's answer: with NLM_F_ACK, what came before the
     * acknowledgement (nothing for a change); without, the one answer (a GET's). {@code what} names the
     * request in errors.
     */
    public List<NetlinkReply> request(NetlinkMessage message, String what) throws OsError, NetlinkError {
        if ((message.flags() & NetlinkMessage.NLM_F_DUMP) == NetlinkMessage.NLM_F_DUMP) {
            throw new IllegalArgumentException("use dump() for a dump request");
        }
        return exchange(message, what, (message.flags() & NetlinkMessage.NLM_F_ACK) != 0);
    }

    /** Sends a dump request (NLM_F_DUMP) and returns every answer up to NLMSG_DONE. */
    public List<NetlinkReply> dump(NetlinkMessage message, String what) throws OsError, NetlinkError {
        if ((message.flags() & NetlinkMessage.NLM_F_DUMP) != NetlinkMessage.NLM_F_DUMP) {
            throw new IllegalArgumentException("a dump request carries NLM_F_DUMP");
        }
        return exchange(message, what, true);
    }

    /** {@code untilEnd}: collect answers up to the acknowledgement or NLMSG_DONE; otherwise stop at the first. */
    private List<NetlinkReply> exchange(NetlinkMessage message, String what, boolean untilEnd)
            throws OsError, NetlinkError {
        int seq = ++sequence;
        send(message.encode(seq), what);
        List<NetlinkReply> answers = new ArrayList<>();
        while (true) {
            for (NetlinkReply reply : receive(what)) {
                if (reply.sequence() != seq) {
                    continue; // an answer to an earlier request that gave up: not ours
                }
                if (reply.type() == NetlinkReply.NLMSG_ERROR || reply.type() == NetlinkReply.NLMSG_DONE) {
                    if (reply.errorCode() != 0) {
                        throw new NetlinkError(what, -reply.errorCode(), reply.errorMessage().orElse(null));
                    }
                    return answers;
                }
                answers.add(reply);
                if (!untilEnd) {
                    return answers;
                }
            }
        }
    }

    private void send(byte[] bytes, String what) throws OsError {
        checkOpen();
        buffer.write(0, bytes, 0, bytes.length);
        try {
            Eintr.retry(() -> LibC.INSTANCE.send(fd, buffer, bytes.length, 0));
        } catch (LastErrorException e) {
            throw new OsError("netlink send (" + what + ")", e);
        }
    }

    private List<NetlinkReply> receive(String what) throws OsError {
        long length;
        try {
            length = Eintr.retry(() -> LibC.INSTANCE.recv(fd, buffer, BUFFER_SIZE, Linux.MSG_TRUNC));
        } catch (LastErrorException e) {
            throw new OsError("netlink receive (" + what + ")", e);
        }
        if (length > BUFFER_SIZE) {
            throw new OsError("netlink answer of " + length + " bytes to " + what + " does not fit " + BUFFER_SIZE);
        }
        buffer.read(0, received, 0, (int) length);
        try {
            return NetlinkReply.parse(received, (int) length);
        } catch (IllegalArgumentException e) {
            throw new OsError("malformed netlink answer to " + what + ": " + e.getMessage());
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
