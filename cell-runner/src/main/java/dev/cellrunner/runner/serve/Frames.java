package dev.cellrunner.runner.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The serve protocol (docs/serve.md): every frame is one type byte, a 4-byte big-endian payload length
 * and the payload. The client sends one {@link #REQUEST}; the server answers with output, messages and
 * events as they happen and ends with one {@link #EXIT}.
 */
public final class Frames {
    /** Client: flags byte ({@link #WANT_EVENTS}, {@link #EGRESS_AUDIT}, {@link #EGRESS_ENFORCE}), then the document. */
    public static final byte REQUEST = 'R';
    /** Server: bytes the command wrote to stdout. */
    public static final byte STDOUT = 'O';
    /** Server: bytes the command wrote to stderr. */
    public static final byte STDERR = 'E';
    /** Server: a message of the runner (what {@code run} prints to its own stderr), UTF-8. */
    public static final byte MESSAGE = 'L';
    /** Server: one signed event, the JSON of one JSONL line. */
    public static final byte EVENT = 'V';
    /** Server: the exit status (4 bytes, big-endian), as {@code run} would exit; the last frame. */
    public static final byte EXIT = 'X';

    public static final int WANT_EVENTS = 1;
    /** The client asks for audit mode ({@code submit --egress-mode audit}); the server's policy may refuse it. */
    public static final int EGRESS_AUDIT = 2;
    /** The client asks for enforce mode, whatever the document says. */
    public static final int EGRESS_ENFORCE = 4;
    public static final int HEADER_BYTES = 5;

    private Frames() {
    }

    public static byte[] header(byte type, int length) {
        return ByteBuffer.allocate(HEADER_BYTES).put(type).putInt(length).array();
    }

    /** Writes one frame in one write call, so writers that share {@code out} never interleave inside a frame. */
    public static void write(OutputStream out, byte type, byte[] payload, int offset, int length) throws IOException {
        byte[] frame = new byte[HEADER_BYTES + length];
        System.arraycopy(header(type, length), 0, frame, 0, HEADER_BYTES);
        System.arraycopy(payload, offset, frame, HEADER_BYTES, length);
        out.write(frame, 0, frame.length);
        out.flush();
    }

    public static byte[] exitPayload(int status) {
        return ByteBuffer.allocate(4).putInt(status).array();
    }

    /**
     * Reads one frame whose payload may be at most {@code maxPayload} bytes; null at a clean end of stream
     * before a frame began. {@code onlyType}, unless 0, is the one type accepted (checked before the length).
     */
    public static Frame read(InputStream in, int maxPayload, byte onlyType) throws IOException, ProtocolError {
        byte[] header = new byte[HEADER_BYTES];
        int first = in.read(header, 0, HEADER_BYTES);
        if (first < 0) {
            return null;
        }
        if (in.readNBytes(header, first, HEADER_BYTES - first) < HEADER_BYTES - first) {
            throw new ProtocolError("the connection ended inside a frame header");
        }
        ByteBuffer parsed = ByteBuffer.wrap(header);
        byte type = parsed.get();
        int length = parsed.getInt();
        if (onlyType != 0 && type != onlyType) {
            throw new ProtocolError("expected a " + name(onlyType) + " frame, got " + name(type));
        }
        if (length < 0 || length > maxPayload) {
            throw new ProtocolError("a frame of " + Integer.toUnsignedString(length) + " bytes is larger than the "
                    + maxPayload + " allowed");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new ProtocolError("the connection ended inside a frame of " + length + " bytes");
        }
        return new Frame(type, payload);
    }

    /** A frame type as a person reads it: 'R', or 0x1b for a byte that is not printable. */
    public static String name(byte type) {
        return type >= 0x21 && type < 0x7f ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xff);
    }

    /** One frame as read. */
    public record Frame(byte type, byte[] payload) {
    }

    /** The peer does not follow the protocol. */
    public static final class ProtocolError extends Exception {
        private static final long serialVersionUID = 1L;

        public ProtocolError(String message) {
            super(message);
        }
    }
}
