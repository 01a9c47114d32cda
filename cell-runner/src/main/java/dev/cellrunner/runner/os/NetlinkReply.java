package dev.cellrunner.runner.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One message from the kernel: its header fields and its payload (what follows the 16-byte header). */
public record NetlinkReply(int type, int flags, int sequence, byte[] payload) {
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    /** Set on a dump's messages when what was dumped changed meanwhile: the dump may miss or repeat entries. */
    public static final int NLM_F_DUMP_INTR = 0x10;
    private static final int NLM_F_CAPPED = 0x100;
    private static final int NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final int NLA_TYPE_MASK = 0x3fff;

    /** Splits one datagram into its messages; a length that does not fit is an IllegalArgumentException. */
    public static List<NetlinkReply> parse(byte[] datagram, int length) {
        ByteBuffer in = ByteBuffer.wrap(datagram, 0, length).order(ByteOrder.nativeOrder());
        List<NetlinkReply> replies = new ArrayList<>();
        while (in.remaining() >= NetlinkMessage.HEADER_SIZE) {
            int start = in.position();
            int messageLength = in.getInt(start);
            if (messageLength < NetlinkMessage.HEADER_SIZE || messageLength > in.remaining()) {
                throw new IllegalArgumentException("netlink message of length " + messageLength + " in "
                        + in.remaining() + " bytes");
            }
            replies.add(new NetlinkReply(Short.toUnsignedInt(in.getShort(start + 4)),
                    Short.toUnsignedInt(in.getShort(start + 6)), in.getInt(start + 8),
                    Arrays.copyOfRange(datagram, start + NetlinkMessage.HEADER_SIZE, start + messageLength)));
            in.position(Math.min(length, start + align(messageLength)));
        }
        return replies;
    }

    /** NLMSG_ERROR and NLMSG_DONE: 0 for an acknowledgement, otherwise minus errno. */
    public int errorCode() {
        return payload.length >= 4 ? ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()).getInt(0) : 0;
    }

    /** The kernel's own words for an error (extended acknowledgement), when it gave any. */
    public Optional<String> errorMessage() {
        if (type != NLMSG_ERROR || (flags & NLM_F_ACK_TLVS) == 0 || payload.length < 4 + NetlinkMessage.HEADER_SIZE) {
            return Optional.empty();
        }
        int offset = 4 + NetlinkMessage.HEADER_SIZE;
        if ((flags & NLM_F_CAPPED) == 0) {
            int requestLength = ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()).getInt(4);
            offset = 4 + align(requestLength);
        }
        byte[] text = attributes(offset).get(NLMSGERR_ATTR_MSG);
        return text == null ? Optional.empty() : Optional.of(string(text));
    }

    /** An attribute: its type without the nested and byte-order flags, and its value. */
    public record Attribute(int type, byte[] value) {
    }

    /** The attributes after a fixed header of {@code offset} bytes, by type (first occurrence wins). */
    public Map<Integer, byte[]> attributes(int offset) {
        return byType(attributeList(payload, offset));
    }

    /** The attributes a nest's value holds, in order, repeats kept (a list's elements); none for null. */
    public static List<Attribute> nested(byte[] value) {
        return value == null ? List.of() : attributeList(value, 0);
    }

    /** The attributes a nest's value holds, by type (first occurrence wins); none for null. */
    public static Map<Integer, byte[]> nestedByType(byte[] value) {
        return byType(nested(value));
    }

    /** A string attribute's value up to its terminating NUL. */
    public static String string(byte[] value) {
        int end = 0;
        while (end < value.length && value[end] != 0) {
            end++;
        }
        return new String(value, 0, end, StandardCharsets.UTF_8);
    }

    /** A big-endian 64-bit attribute (the kernel's counters, whatever the host's byte order); 0 when absent or short. */
    public static long bigEndianU64(byte[] value) {
        return value == null || value.length < 8 ? 0 : ByteBuffer.wrap(value).getLong();
    }

    private static Map<Integer, byte[]> byType(List<Attribute> list) {
        Map<Integer, byte[]> attributes = new HashMap<>();
        for (Attribute attribute : list) {
            attributes.putIfAbsent(attribute.type(), attribute.value());
        }
        return attributes;
    }

    /** What does not fit (a length too short or beyond the end) ends the list. */
    private static List<Attribute> attributeList(byte[] bytes, int offset) {
        List<Attribute> attributes = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        int at = offset;
        while (at + 4 <= bytes.length) {
            int length = Short.toUnsignedInt(in.getShort(at));
            if (length < 4 || at + length > bytes.length) {
                break;
            }
            attributes.add(new Attribute(Short.toUnsignedInt(in.getShort(at + 2)) & NLA_TYPE_MASK,
                    Arrays.copyOfRange(bytes, at + 4, at + length)));
            at += align(length);
        }
        return attributes;
    }

    /** A 32-bit field of the payload, e.g. {@code ifi_index} at offset 4 of an {@code ifinfomsg}. */
    public int u32(int offset) {
        return ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()).getInt(offset);
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }
}
