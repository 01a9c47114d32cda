package dev.cellrunner.runner.os;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static dev.cellrunner.linux.Linux.AF_INET6;
import static dev.cellrunner.linux.Linux.AF_INET;
import static dev.cellrunner.linux.Linux.AF_PACKET;
import static dev.cellrunner.linux.Linux.AF_UNSPEC;
import static dev.cellrunner.linux.Linux.IFF_UP;

/**
 * The rtnetlink requests the runner makes, encoded as iproute2 encodes the equivalent {@code ip}
 * command (each method names it; the tests compare bytes), except {@link #deleteLink}, which names
 * the link instead of looking its index up first.
 */
public final class RouteMessages {
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_NEWROUTE = 24;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFLA_NET_NS_FD = 28;
    static final int IFLA_EXT_MASK = 29;
    static final int RTEXT_FILTER_VF = 1;
    static final int RTEXT_FILTER_SKIP_STATS = 8;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_F_NODAD = 0x02;
    static final int RT_SCOPE_UNIVERSE = 0;
    static final int RT_TABLE_MAIN = 254;
    static final int RTPROT_BOOT = 3;
    static final int RTN_UNICAST = 1;
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    private static final int CHANGE = NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_ACK;
    private static final int CREATE = CHANGE | NetlinkMessage.NLM_F_CREATE | NetlinkMessage.NLM_F_EXCL;

    private RouteMessages() {
    }

    /**
     * {@code ip link add NAME up type veth peer name PEER netns NS}: the peer is created in the namespace
     * behind {@code peerNamespaceFd}, down (the kernel refuses to bring a peer in another namespace up
     * while creating it: see {@link #linkUp}).
     */
    public static NetlinkMessage newVethPair(String name, String peer, int peerNamespaceFd) {
        NetlinkMessage message = ifinfo(new NetlinkMessage(RTM_NEWLINK, CREATE), 0, IFF_UP, IFF_UP)
                .attribute(IFLA_IFNAME, name)
                .begin(IFLA_LINKINFO)
                .attribute(IFLA_INFO_KIND, "veth".getBytes(StandardCharsets.US_ASCII))
                .begin(IFLA_INFO_DATA)
                .begin(VETH_INFO_PEER);
        return ifinfo(message, 0, 0, 0)
                .attribute(IFLA_NET_NS_FD, peerNamespaceFd)
                .attribute(IFLA_IFNAME, peer)
                .end().end().end();
    }

    /** {@code ip link set dev #index up}. */
    public static NetlinkMessage linkUp(int index) {
        return ifinfo(new NetlinkMessage(RTM_NEWLINK, CHANGE), index, IFF_UP, IFF_UP);
    }

    /** {@code ip link show NAME} (one answer, RTM_NEWLINK, or an error). */
    public static NetlinkMessage getLink(String name) {
        return ifinfo(new NetlinkMessage(RTM_GETLINK, NetlinkMessage.NLM_F_REQUEST), 0, 0, 0)
                .attribute(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS)
                .attribute(IFLA_IFNAME, name);
    }

    /** {@code ip link show}: every link of the namespace. */
    public static NetlinkMessage dumpLinks() {
        NetlinkMessage message = new NetlinkMessage(RTM_GETLINK, NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_DUMP)
                .u8(AF_PACKET).u8(0).u16(0).u32(0).u32(0).u32(0);
        return message.attribute(IFLA_EXT_MASK, RTEXT_FILTER_VF);
    }

    /** {@code ip link delete NAME}, by name (a veth takes its peer with it). */
    public static NetlinkMessage deleteLink(String name) {
        return ifinfo(new NetlinkMessage(RTM_DELLINK, CHANGE), 0, 0, 0).attribute(IFLA_IFNAME, name);
    }

    /** {@code ip addr add ADDRESS/PREFIX dev #index}, plus {@code nodad} for IPv6 (usable at once). */
    public static NetlinkMessage newAddress(InetAddress address, int prefixLength, int index) {
        boolean v4 = address instanceof Inet4Address;
        return new NetlinkMessage(RTM_NEWADDR, CREATE)
                .u8(v4 ? AF_INET : AF_INET6).u8(prefixLength).u8(v4 ? 0 : IFA_F_NODAD).u8(RT_SCOPE_UNIVERSE).u32(index)
                .attribute(IFA_LOCAL, address.getAddress())
                .attribute(IFA_ADDRESS, address.getAddress());
    }

    /**
     * {@code ip route add default via GATEWAY dev #index} for IPv4, {@code ip -6 route add default via
     * GATEWAY dev #index} for IPv6 (which names the destination {@code ::/0} explicitly).
     */
    public static NetlinkMessage newDefaultRoute(InetAddress gateway, int index) {
        boolean v4 = gateway instanceof Inet4Address;
        NetlinkMessage message = new NetlinkMessage(RTM_NEWROUTE, CREATE)
                .u8(v4 ? AF_INET : AF_INET6).u8(0).u8(0).u8(0)
                .u8(RT_TABLE_MAIN).u8(RTPROT_BOOT).u8(RT_SCOPE_UNIVERSE).u8(RTN_UNICAST).u32(0);
        if (!v4) {
            message.attribute(RTA_DST, new byte[16]);
        }
        return message.attribute(RTA_GATEWAY, gateway.getAddress()).attribute(RTA_OIF, index);
    }

    /** The {@code ifi_index} of an RTM_NEWLINK answer. */
    public static int linkIndex(NetlinkReply link) {
        return link.u32(4);
    }

    /** The IFLA_IFNAME of an RTM_NEWLINK answer, or null. */
    public static String linkName(NetlinkReply link) {
        byte[] name = link.attributes(16).get(IFLA_IFNAME);
        return name == null ? null : NetlinkReply.string(name);
    }

    /** struct ifinfomsg: family, pad, type, index, flags, change. */
    private static NetlinkMessage ifinfo(NetlinkMessage message, int index, int flags, int change) {
        return message.u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(flags).u32(change);
    }
}
