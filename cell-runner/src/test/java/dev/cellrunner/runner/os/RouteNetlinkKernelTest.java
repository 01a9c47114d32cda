package dev.cellrunner.runner.os;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * rtnetlink on the real kernel, between two scratch namespaces ("cell" and "host"): sockets are opened
 * on each namespace's thread and used from the test's thread, and what the kernel holds afterwards is
 * read from outside with ip(8) through nsenter.
 */
class RouteNetlinkKernelTest {
    private static final String PEER = "np-peer0";
    private ScratchNetns cell;
    private ScratchNetns host;
    private RouteNetlink cellSocket;
    private RouteNetlink hostSocket;
    private int hostNamespace = -1;

    @BeforeEach
    void twoNamespaces() throws Exception {
        cell = ScratchNetns.create("rtnl-cell");
        host = ScratchNetns.create("rtnl-host");
        cellSocket = cell.call(RouteNetlink::open);
        hostSocket = host.call(RouteNetlink::open);
        hostNamespace = LibC.INSTANCE.open(host.path(), 0x80000);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (cellSocket != null) {
            cellSocket.close();
        }
        if (hostSocket != null) {
            hostSocket.close();
        }
        if (hostNamespace >= 0) {
            LibC.INSTANCE.close(hostNamespace);
        }
        if (cell != null) {
            cell.close();
        }
        if (host != null) {
            host.close();
        }
    }

    @Test
    void aVethPairWithAddressesAndDefaultRoutesIsWhatTheKernelThenHolds() throws Exception {
        cellSocket.request(RouteMessages.newVethPair("eth0", PEER, hostNamespace), "create");
        int cellIndex = index(cellSocket, "eth0");
        int hostIndex = index(hostSocket, PEER);
        cellSocket.request(RouteMessages.newAddress(InetAddress.getByName("198.18.0.2"), 30, cellIndex), "addr");
        cellSocket.request(RouteMessages.newAddress(InetAddress.getByName("fdc3:11f0:5a7e::2"), 64, cellIndex), "addr6");
        hostSocket.request(RouteMessages.newAddress(InetAddress.getByName("198.18.0.1"), 30, hostIndex), "addr");
        hostSocket.request(RouteMessages.newAddress(InetAddress.getByName("fdc3:11f0:5a7e::1"), 64, hostIndex), "addr6");
        hostSocket.request(RouteMessages.linkUp(hostIndex), "up");
        cellSocket.request(RouteMessages.newDefaultRoute(InetAddress.getByName("198.18.0.1"), cellIndex), "route");
        cellSocket.request(RouteMessages.newDefaultRoute(InetAddress.getByName("fdc3:11f0:5a7e::1"), cellIndex), "route6");

        assertThat(cell.outside("ip", "-br", "addr", "show", "dev", "eth0"))
                .contains("UP", "198.18.0.2/30", "fdc3:11f0:5a7e::2/64");
        assertThat(host.outside("ip", "-br", "addr", "show", "dev", PEER))
                .contains("UP", "198.18.0.1/30", "fdc3:11f0:5a7e::1/64");
        assertThat(cell.outside("ip", "route", "show", "default")).startsWith("default via 198.18.0.1 dev eth0");
        assertThat(cell.outside("ip", "-6", "route", "show", "default")).startsWith("default via fdc3:11f0:5a7e::1 dev eth0");
        for (String gateway : List.of("198.18.0.1", "fdc3:11f0:5a7e::1")) {
            assertThat(connects(gateway)).as("a TCP connection from the cell to " + gateway).isTrue();
        }
    }

    /** A listener opened on the host namespace's thread, a connection from the cell's: real packets over the pair. */
    private boolean connects(String gateway) throws Exception {
        InetAddress address = InetAddress.getByName(gateway);
        try (ServerSocket listener = host.call(() -> new ServerSocket(0, 1, address))) {
            try (Socket client = cell.call(() -> {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(address, listener.getLocalPort()), 5000);
                return socket;
            }); Socket accepted = listener.accept()) {
                return client.isConnected() && accepted.getInetAddress().equals(client.getLocalAddress());
            }
        }
    }

    @Test
    void theKernelsRefusalsArriveAsErrorsWithItsWords() throws Exception {
        cellSocket.request(RouteMessages.newVethPair("eth0", PEER, hostNamespace), "create");
        assertThatThrownBy(() -> cellSocket.request(RouteMessages.newVethPair("eth0", PEER, hostNamespace), "create again"))
                .isInstanceOf(NetlinkError.class).hasMessageStartingWith("create again: File exists (errno 17)")
                .extracting(e -> ((NetlinkError) e).errno()).isEqualTo(17);
        int cellIndex = index(cellSocket, "eth0");
        assertThatThrownBy(() -> cellSocket.request(
                RouteMessages.newDefaultRoute(InetAddress.getByName("10.9.9.9"), cellIndex), "route"))
                .isInstanceOf(NetlinkError.class).hasMessageContaining("errno 101")
                .hasMessageContaining("Nexthop has invalid gateway");
        assertThatThrownBy(() -> index(cellSocket, "nosuch0")).isInstanceOf(NetlinkError.class)
                .hasMessageContaining("errno 19");
    }

    @Test
    void deletingOneEndByNameRemovesBothAndASecondDeleteSaysItIsGone() throws Exception {
        cellSocket.request(RouteMessages.newVethPair("eth0", PEER, hostNamespace), "create");
        assertThat(names(hostSocket)).containsExactlyInAnyOrder("lo", PEER);
        hostSocket.request(RouteMessages.deleteLink(PEER), "delete");
        assertThat(host.outside("ip", "-br", "link")).doesNotContain(PEER);
        assertThat(cell.outside("ip", "-br", "link")).doesNotContain("eth0");
        assertThat(names(cellSocket)).containsExactly("lo");
        assertThatThrownBy(() -> hostSocket.request(RouteMessages.deleteLink(PEER), "delete again"))
                .isInstanceOf(NetlinkError.class).extracting(e -> ((NetlinkError) e).errno()).isEqualTo(19);
    }

    @Test
    void aClosedSocketIsNotUsed() throws Exception {
        RouteNetlink socket = RouteNetlink.open();
        socket.close();
        assertThatThrownBy(() -> socket.request(RouteMessages.getLink("lo"), "look up")).isInstanceOf(IllegalStateException.class);
    }

    private static int index(RouteNetlink socket, String name) throws Exception {
        List<NetlinkReply> answer = socket.request(RouteMessages.getLink(name), "look up " + name);
        assertThat(answer).hasSize(1);
        assertThat(RouteMessages.linkName(answer.get(0))).isEqualTo(name);
        return RouteMessages.linkIndex(answer.get(0));
    }

    private static List<String> names(RouteNetlink socket) throws Exception {
        return socket.dump(RouteMessages.dumpLinks(), "list").stream().map(RouteMessages::linkName).toList();
    }
}
