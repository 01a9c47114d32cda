package dev.cellrunner.runner.os;

import dev.cellrunner.linux.Linux;

import java.util.List;

/**
 * A NETLINK_ROUTE socket. A socket belongs to the network namespace of the thread that created it, for
 * its whole life and whichever thread uses it later: open it on a thread inside the namespace it is
 * meant to change (e.g. a cell's launch thread), then use it from one thread at a time. Errors come
 * back as {@link NetlinkError} with the kernel's extended acknowledgement text when it gives one.
 */
public final class RouteNetlink implements AutoCloseable {
    private static final int BUFFER_SIZE = 64 * 1024;

    private final NetlinkSocket socket;

    private RouteNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** A socket in the calling thread's network namespace. */
    public static RouteNetlink open() throws OsError {
        return new RouteNetlink(NetlinkSocket.open(Linux.NETLINK_ROUTE, "NETLINK_ROUTE", 0, 0, BUFFER_SIZE, false));
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
        return socket.exchange(message, what, (message.flags() & NetlinkMessage.NLM_F_ACK) != 0);
    }

    /** Sends a dump request (NLM_F_DUMP) and returns every answer up to NLMSG_DONE. */
    public List<NetlinkReply> dump(NetlinkMessage message, String what) throws OsError, NetlinkError {
        if ((message.flags() & NetlinkMessage.NLM_F_DUMP) != NetlinkMessage.NLM_F_DUMP) {
            throw new IllegalArgumentException("a dump request carries NLM_F_DUMP");
        }
        return socket.exchange(message, what, true);
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
