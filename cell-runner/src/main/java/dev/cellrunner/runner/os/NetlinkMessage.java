package dev.cellrunner.runner.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * One netlink request as the kernel reads it: the 16-byte {@code nlmsghdr}, a fixed family header
 * (written with {@link #u8}, {@link #u16}, {@link #u32}), then attributes: type, length, value, each
 * padded to 4 bytes, nests included. Native byte order. The header's length and sequence number are
 * filled in by {@link #encode}.
 */
public final class NetlinkMessage {
    public static final int HEADER_SIZE = 16;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_DUMP = 0x300;
    /** Set in the type of an attribute that holds attributes (a nest). */
    public static final int NLA_F_NESTED = 0x8000;
    private static final int ATTRIBUTE_HEADER = 4;

    private final int type;
    private final int flags;
    private final Deque<Integer> nests = new ArrayDeque<>();
    private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

    public NetlinkMessage(int type, int flags) {
        this.type = type;
        this.flags = flags;
        buffer.position(HEADER_SIZE);
    }

    public int type() {
        return type;
    }

    public int flags() {
        return flags;
    }

    public NetlinkMessage u8(int value) {
        room(1).put((byte) value);
        return this;
    }

    public NetlinkMessage u16(int value) {
        room(2).putShort((short) value);
        return this;
    }

    public NetlinkMessage u32(int value) {
        room(4).putInt(value);
        return this;
    }

    public NetlinkMessage bytes(byte[] value) {
        room(value.length).put(value);
        return this;
    }

    public NetlinkMessage attribute(int attributeType, byte[] value) {
        room(ATTRIBUTE_HEADER + value.length + 3);
        buffer.putShort((short) (ATTRIBUTE_HEADER + value.length)).putShort((short) attributeType).put(value);
        pad();
        return this;
    }

    public NetlinkMessage attribute(int attributeType, int value) {
        return attribute(attributeType, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** A string attribute, NUL-terminated as the kernel expects names. */
    public NetlinkMessage attribute(int attributeType, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        return attribute(attributeType, Arrays.copyOf(text, text.length + 1));
    }

    /** Opens a nested attribute; what follows until {@link #end()} is its value. */
    public NetlinkMessage begin(int attributeType) {
        nests.push(buffer.position());
        room(ATTRIBUTE_HEADER).putShort((short) 0).putShort((short) attributeType);
        return this;
    }

    public NetlinkMessage end() {
        int start = nests.pop();
        buffer.putShort(start, (short) (buffer.position() - start));
        return this;
    }

    /** The complete message with this sequence number (port id 0: the kernel assigns ours). */
    public byte[] encode(int sequence) {
        if (!nests.isEmpty()) {
            throw new IllegalStateException("a nested attribute is still open");
        }
        int length = buffer.position();
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        out.put(buffer.array(), 0, length);
        out.putInt(0, length).putShort(4, (short) type).putShort(6, (short) flags).putInt(8, sequence).putInt(12, 0);
        return out.array();
    }

    private void pad() {
        while (buffer.position() % 4 != 0) {
            buffer.put((byte) 0);
        }
    }

    private ByteBuffer room(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes))
                    .order(ByteOrder.nativeOrder());
            larger.put(buffer.array(), 0, buffer.position());
            buffer = larger;
        }
        return buffer;
    }
}
