package dev.cellrunner.runner.os;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decoding the kernel's answers, captured from a 6.18 kernel with {@code strace -e trace=recvmsg
 * -e read=3 ip ...} (iproute2 asks for extended acknowledgements but, unlike the runner, not for capped
 * ones, so these errors carry the whole request back).
 */
class NetlinkReplyTest {
    /** {@code ip route add default via 10.9.9.9 dev eth0} on a link without addresses. */
    private static final String UNREACHABLE_GATEWAY = "600000000200000228cd076bc36600009bffffff2c0000001800050628cd"
            + "076b0000000002000000fe03000100000000080005000a0909090800040003000000200001004e657874686f70206861732069"
            + "6e76616c6964206761746577617900";
    /** {@code ip link add eth0 type veth peer name cr123-1 netns npcap2} when eth0 exists already. */
    private static final String LINK_EXISTS = "780000000200000025cd076b9a660000efffffff640000001000050625cd076b000000"
            + "00000000000000000000000000000000000900030065746830000000003800120008000100766574682c00020028000100000000"
            + "0000000000000000000000000008001c00040000000c00030063723132332d3100";

    @Test
    void anErrorCarriesTheErrnoAndTheKernelsOwnWords() {
        NetlinkReply reply = only(UNREACHABLE_GATEWAY);
        assertThat(reply.type()).isEqualTo(NetlinkReply.NLMSG_ERROR);
        assertThat(reply.sequence()).isEqualTo(0x6b07cd28);
        assertThat(reply.errorCode()).isEqualTo(-101); // ENETUNREACH
        assertThat(reply.errorMessage()).contains("Nexthop has invalid gateway");
        assertThat(new NetlinkError("add a default route", 101, reply.errorMessage().orElse(null)))
                .hasMessage("add a default route: Network is unreachable (errno 101): Nexthop has invalid gateway");
    }

    @Test
    void anErrorWithoutExtendedAcknowledgementHasOnlyTheErrno() {
        NetlinkReply reply = only(LINK_EXISTS);
        assertThat(reply.errorCode()).isEqualTo(-17); // EEXIST
        assertThat(reply.errorMessage()).isEmpty();
        assertThat(new NetlinkError("create veth", 17, null)).hasMessage("create veth: File exists (errno 17)");
    }

    @Test
    void aLinkDescriptionGivesItsIndexAndName() throws IOException {
        NetlinkReply link = only(resource("getlink-eth0-answer.hex"));
        assertThat(link.type()).isEqualTo(RouteMessages.RTM_NEWLINK);
        assertThat(RouteMessages.linkIndex(link)).isEqualTo(3);
        assertThat(RouteMessages.linkName(link)).isEqualTo("eth0");
    }

    @Test
    void oneDatagramMayHoldSeveralMessages() throws IOException {
        byte[] datagram = HexFormat.of().parseHex(resource("getlink-eth0-answer.hex") + UNREACHABLE_GATEWAY);
        List<NetlinkReply> replies = NetlinkReply.parse(datagram, datagram.length);
        assertThat(replies).extracting(NetlinkReply::type).containsExactly(RouteMessages.RTM_NEWLINK, NetlinkReply.NLMSG_ERROR);
    }

    @Test
    void aLengthBeyondTheDatagramIsRefused() {
        byte[] datagram = HexFormat.of().parseHex(LINK_EXISTS);
        assertThatThrownBy(() -> NetlinkReply.parse(datagram, datagram.length - 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length 120");
    }

    @Test
    void aNestsListKeepsItsElementsInOrderWhereByTypeTheFirstWins() {
        byte[] request = new NetlinkMessage(16, 0).begin(4 | NetlinkMessage.NLA_F_NESTED).attribute(1, "first")
                .attribute(1, "second").attribute(2, 7).end().encode(1);
        byte[] nest = NetlinkReply.parse(request, request.length).get(0).attributes(0).get(4);
        assertThat(NetlinkReply.nested(nest)).extracting(NetlinkReply.Attribute::type).containsExactly(1, 1, 2);
        assertThat(NetlinkReply.nested(nest)).extracting(a -> a.type() == 1 ? NetlinkReply.string(a.value()) : "")
                .containsExactly("first", "second", "");
        assertThat(NetlinkReply.string(NetlinkReply.nestedByType(nest).get(1))).isEqualTo("first");
        assertThat(NetlinkReply.nested(null)).isEmpty();
    }

    private static NetlinkReply only(String hex) {
        byte[] datagram = HexFormat.of().parseHex(hex);
        List<NetlinkReply> replies = NetlinkReply.parse(datagram, datagram.length);
        assertThat(replies).hasSize(1);
        return replies.get(0);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = NetlinkReplyTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
        }
    }
}
