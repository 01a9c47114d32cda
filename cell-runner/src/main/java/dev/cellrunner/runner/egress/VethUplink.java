package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.os.NetlinkError;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.NetlinkReply;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.RouteMessages;
import dev.cellrunner.runner.os.RouteNetlink;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;

import static dev.cellrunner.linux.Linux.EEXIST;
import static dev.cellrunner.linux.Linux.ENODEV;

/**
 * The cell's veth pair over rtnetlink: {@code eth0} created up from inside the cell with its peer
 * ({@code cr<pid>-<n>}) born in the runner's namespace, the slot's addresses on both ends, the host
 * end up, default routes in the cell via the host end. Every step waits for the kernel's
 * acknowledgement; the first refusal ends it with the kernel's reason.
 */
final class VethUplink {

    private VethUplink() {
    }

    /**
     * @param cell            a socket opened inside the cell's namespace
     * @param host            a socket opened in the runner's namespace
     * @param hostNamespaceFd a descriptor of the runner's namespace, where the peer is born
     */
    static void connect(RouteNetlink cell, RouteNetlink host, int hostNamespaceFd, String hostInterface,
                        UplinkPool.Slot slot, boolean v4, boolean v6, Consumer<String> log) throws NetlinkError, OsError {
        String cellInterface = CellNetNames.CELL_INTERFACE;
        NetlinkMessage create = RouteMessages.newVethPair(cellInterface, hostInterface, hostNamespaceFd);
        String creating = "create veth " + cellInterface + " / " + hostInterface;
        try {
            cell.request(create, creating);
        } catch (NetlinkError e) {
            if (e.errno() != EEXIST) {
                throw e;
            }
            // only a dead runner that had our PID can have left this name: remove it and try once more
            log.accept("removing " + hostInterface + ", left over by an earlier runner with this PID");
            remove(host, hostInterface);
            cell.request(create, creating);
        }
        int cellIndex = index(cell, cellInterface);
        if (v4) {
            addAddress(cell, cellInterface, cellIndex, slot.ipv4Cell(), slot.ipv4Subnet().prefixLength());
        }
        if (v6) {
            addAddress(cell, cellInterface, cellIndex, slot.ipv6Cell(), slot.ipv6Subnet().prefixLength());
        }
        int hostIndex = index(host, hostInterface);
        if (v4) {
            addAddress(host, hostInterface, hostIndex, slot.ipv4Host(), slot.ipv4Subnet().prefixLength());
        }
        if (v6) {
            addAddress(host, hostInterface, hostIndex, slot.ipv6Host(), slot.ipv6Subnet().prefixLength());
        }
        host.request(RouteMessages.linkUp(hostIndex), "set " + hostInterface + " up");
        if (v4) {
            addDefaultRoute(cell, cellInterface, cellIndex, slot.ipv4Host());
        }
        if (v6) {
            addDefaultRoute(cell, cellInterface, cellIndex, slot.ipv6Host());
        }
    }

    /** Deletes the host end, and with it the cell end; false when it was already gone. */
    static boolean remove(RouteNetlink host, String hostInterface) throws NetlinkError, OsError {
        try {
            host.request(RouteMessages.deleteLink(hostInterface), "delete " + hostInterface);
            return true;
        } catch (NetlinkError e) {
            if (e.errno() == ENODEV) {
                return false;
            }
            throw e;
        }
    }

    private static int index(RouteNetlink socket, String name) throws NetlinkError, OsError {
        List<NetlinkReply> answer = socket.request(RouteMessages.getLink(name), "look up " + name);
        if (answer.isEmpty() || answer.get(0).type() != RouteMessages.RTM_NEWLINK) {
            throw new OsError("the kernel did not describe " + name);
        }
        return RouteMessages.linkIndex(answer.get(0));
    }

    private static void addAddress(RouteNetlink socket, String name, int index, InetAddress address, int prefixLength)
            throws NetlinkError, OsError {
        socket.request(RouteMessages.newAddress(address, prefixLength, index),
                "add " + Addresses.text(address) + "/" + prefixLength + " to " + name);
    }

    private static void addDefaultRoute(RouteNetlink socket, String name, int index, InetAddress gateway)
            throws NetlinkError, OsError {
        socket.request(RouteMessages.newDefaultRoute(gateway, index),
                "add a default route via " + Addresses.text(gateway) + " dev " + name);
    }
}
