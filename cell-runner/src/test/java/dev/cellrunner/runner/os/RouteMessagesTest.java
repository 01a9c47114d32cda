package dev.cellrunner.runner.os;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The requests, byte for byte as iproute2 6.1 sends the named command. Captured on x86-64 with
 * {@code strace -e trace=sendmsg -e write=3,4,5 ip ...} in scratch namespaces; each expectation keeps
 * the captured sequence number, namespace descriptor (4) and interface index (2).
 */
class RouteMessagesTest {
    private static final int SEQ = 0x6b07cd34;
    private static final int NEXT_SEQ = 0x6b07cd35;

    @Test
    void aVethPairAsIpLinkAddEth0UpTypeVethPeerNameNetns() {
        // ip link add eth0 up type veth peer name cr123-1 netns npcap2
        assertBytes(RouteMessages.newVethPair("eth0", "cr123-1", 4), SEQ,
                "6400000010000506" + "34cd076b00000000" + "0000000000000000" + "0100000001000000"
                        + "0900030065746830" + "000000003800120008000100766574682c000200280001000000000000000000"
                        + "000000000000000008001c00040000000c00030063723132332d3100");
    }

    @Test
    void linkUpAsIpLinkSetUp() {
        // ip link set dev cr123-1 up (cr123-1 had index 2)
        assertBytes(RouteMessages.linkUp(2), SEQ,
                "200000001000050034cd076b0000000000000000020000000100000001000000");
    }

    @Test
    void aLinkLookupAsIpLinkShowDev() {
        // ip link show dev eth0 (the lookup iproute2 sends before acting on a name)
        assertBytes(RouteMessages.getLink("eth0"), SEQ,
                "340000001200010034cd076b000000000000000000000000000000000000000008001d0009000000"
                        + "090003006574683000000000");
    }

    @Test
    void everyLinkAsIpLinkShow() {
        // ip link show
        assertBytes(RouteMessages.dumpLinks(), NEXT_SEQ,
                "280000001200010335cd076b000000001100000000000000000000000000000008001d0001000000");
    }

    @Test
    void addressesAsIpAddrAdd() throws Exception {
        // ip addr add 198.18.0.2/30 dev eth0
        assertBytes(RouteMessages.newAddress(InetAddress.getByName("198.18.0.2"), 30, 2), SEQ,
                "280000001400050634cd076b00000000021e00000200000008000200c612000208000100c6120002");
        // ip addr add fdc3:11f0:5a7e::2/64 dev eth0 nodad
        assertBytes(RouteMessages.newAddress(InetAddress.getByName("fdc3:11f0:5a7e::2"), 64, 2), NEXT_SEQ,
                "400000001400050635cd076b000000000a4002000200000014000200fdc311f05a7e000000000000"
                        + "0000000214000100fdc311f05a7e00000000000000000002");
    }

    @Test
    void defaultRoutesAsIpRouteAdd() throws Exception {
        // ip route add default via 198.18.0.1 dev eth0
        assertBytes(RouteMessages.newDefaultRoute(InetAddress.getByName("198.18.0.1"), 2), NEXT_SEQ,
                "2c0000001800050635cd076b0000000002000000fe0300010000000008000500c61200010800040002000000");
        // ip -6 route add default via fdc3:11f0:5a7e::1 dev eth0
        assertBytes(RouteMessages.newDefaultRoute(InetAddress.getByName("fdc3:11f0:5a7e::1"), 2), NEXT_SEQ,
                "4c0000001800050635cd076b000000000a000000fe030001000000001400010000000000000000000000000000000000"
                        + "14000500fdc311f05a7e000000000000000000010800040002000000");
    }

    @Test
    void aLinkIsDeletedByNameWhereIpSendsItsIndex() {
        // ip link delete eth0 sends "200000001100050035cd076b00000000 00000000 02000000 00000000 00000000":
        // the same request with index 0 and the name as IFLA_IFNAME, which the kernel looks up itself
        assertBytes(RouteMessages.deleteLink("eth0"), NEXT_SEQ,
                "2c0000001100050035cd076b00000000" + "00000000000000000000000000000000" + "090003006574683000000000");
    }

    @Test
    void nestedAttributesCarryTheLengthOfEverythingInsideAndValuesArePaddedToFourBytes() {
        NetlinkMessage message = new NetlinkMessage(99, 1).begin(7).attribute(1, new byte[] {1, 2, 3}).begin(8)
                .attribute(2, 5).end().end();
        assertBytes(message, 1, "2800000063000100" + "0100000000000000" + "18000700" + "0700010001020300"
                + "0c000800" + "0800020005000000");
    }

    private static void assertBytes(NetlinkMessage message, int sequence, String expectedHex) {
        assertThat(HexFormat.of().formatHex(message.encode(sequence))).isEqualTo(expectedHex);
    }
}
