package dev.cellrunner.runner.dns;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A DNS message (RFC 1035) as far as the responder needs it: header, one question, resource records
 * with their data (names inside CNAME data decompressed), and the EDNS0 OPT record (RFC 6891).
 * Parsing rejects anything malformed with an {@link IllegalArgumentException}; encoding never
 * compresses names, so a message is written exactly as its records say.
 */
public record DnsMessage(int id, int flags, List<Question> questions, List<Record> answers, List<Record> authority,
                         List<Record> additional) {
    public static final int TYPE_A = 1;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_OPT = 41;
    public static final int CLASS_IN = 1;
    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;
    public static final int BADVERS = 16;
    static final int QR = 0x8000;
    static final int AA = 0x0400;
    static final int TC = 0x0200;
    static final int RD = 0x0100;
    static final int RA = 0x0080;
    private static final int HEADER = 12;
    private static final int MAX_POINTERS = 64;

    public DnsMessage {
        questions = List.copyOf(questions);
        answers = List.copyOf(answers);
        authority = List.copyOf(authority);
        additional = List.copyOf(additional);
    }

    /** A name as on the wire (uncompressed labels, root included) and as text: labels joined by dots. */
    public record Name(byte[] wire, String text) {
        /** From dotted text of plain labels (no escapes); throws on an empty or over-long label. */
        public static Name of(String text) {
            String trimmed = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!trimmed.isEmpty()) {
                for (String label : trimmed.split("\\.", -1)) {
                    byte[] bytes = label.getBytes(StandardCharsets.ISO_8859_1);
                    if (bytes.length == 0 || bytes.length > 63) {
                        throw new IllegalArgumentException("label of " + bytes.length + " bytes in " + text);
                    }
                    out.write(bytes.length);
                    out.writeBytes(bytes);
                }
            }
            out.write(0);
            return new Name(out.toByteArray(), trimmed);
        }

        /** Equal as DNS compares names: ASCII letters without case. */
        public boolean sameAs(Name other) {
            return text.equalsIgnoreCase(other.text);
        }
    }

    public record Question(Name name, int type, int qclass) {
    }

    /** A resource record; {@code target} is the decompressed name in a CNAME's data, else null. */
    public record Record(Name name, int type, int rclass, long ttl, byte[] data, Name target) {
        public static Record cname(Name name, long ttl, Name target) {
            return new Record(name, TYPE_CNAME, CLASS_IN, ttl, target.wire(), target);
        }

        public static Record address(Name name, long ttl, byte[] address) {
            return new Record(name, address.length == 4 ? TYPE_A : TYPE_AAAA, CLASS_IN, ttl, address.clone(), null);
        }

        public Record withTtl(long newTtl) {
            return new Record(name, type, rclass, newTtl, data, target);
        }
    }

    public boolean isResponse() {
        return (flags & QR) != 0;
    }

    public int opcode() {
        return (flags >> 11) & 0xf;
    }

    public boolean truncated() {
        return (flags & TC) != 0;
    }

    public boolean recursionDesired() {
        return (flags & RD) != 0;
    }

    /** The response code, with the upper bits of an OPT record when there is one. */
    public int rcode() {
        int extended = opt().map(o -> (int) ((o.ttl() >>> 24) & 0xff)).orElse(0);
        return (extended << 4) | (flags & 0xf);
    }

    public java.util.Optional<Record> opt() {
        return additional.stream().filter(r -> r.type() == TYPE_OPT).findFirst();
    }

    /** Parses one message; throws IllegalArgumentException on anything malformed. */
    public static DnsMessage parse(byte[] bytes, int length) {
        if (length < HEADER) {
            throw new IllegalArgumentException("a DNS message of " + length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        int id = u16(in, 0);
        int flags = u16(in, 2);
        int[] counts = {u16(in, 4), u16(in, 6), u16(in, 8), u16(in, 10)};
        int[] at = {HEADER};
        List<Question> questions = new ArrayList<>();
        for (int i = 0; i < counts[0]; i++) {
            Name name = name(bytes, length, at);
            need(length, at[0] + 4);
            questions.add(new Question(name, u16(in, at[0]), u16(in, at[0] + 2)));
            at[0] += 4;
        }
        List<List<Record>> sections = new ArrayList<>();
        for (int section = 1; section < 4; section++) {
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < counts[section]; i++) {
                records.add(record(bytes, length, in, at));
            }
            sections.add(records);
        }
        return new DnsMessage(id, flags, questions, sections.get(0), sections.get(1), sections.get(2));
    }

    private static Record record(byte[] bytes, int length, ByteBuffer in, int[] at) {
        Name name = name(bytes, length, at);
        need(length, at[0] + 10);
        int type = u16(in, at[0]);
        int rclass = u16(in, at[0] + 2);
        long ttl = Integer.toUnsignedLong(in.getInt(at[0] + 4));
        int dataLength = u16(in, at[0] + 8);
        int start = at[0] + 10;
        need(length, start + dataLength);
        Name target = null;
        byte[] data;
        if (type == TYPE_CNAME) {
            int[] inner = {start};
            target = name(bytes, length, inner);
            data = target.wire();
        } else {
            data = java.util.Arrays.copyOfRange(bytes, start, start + dataLength);
        }
        at[0] = start + dataLength;
        return new Record(name, type, rclass, ttl, data, target);
    }

    /** Reads a possibly compressed name at {@code at[0]} and moves past it. */
    private static Name name(byte[] bytes, int length, int[] at) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        StringBuilder text = new StringBuilder();
        int position = at[0];
        int end = -1;
        for (int pointers = 0; ; ) {
            need(length, position + 1);
            int label = bytes[position] & 0xff;
            if (label == 0) {
                if (end < 0) {
                    end = position + 1;
                }
                break;
            }
            if ((label & 0xc0) == 0xc0) {
                need(length, position + 2);
                if (++pointers > MAX_POINTERS) {
                    throw new IllegalArgumentException("a compression loop");
                }
                if (end < 0) {
                    end = position + 2;
                }
                position = ((label & 0x3f) << 8) | (bytes[position + 1] & 0xff);
                continue;
            }
            if ((label & 0xc0) != 0) {
                throw new IllegalArgumentException("label type " + (label >> 6));
            }
            need(length, position + 1 + label);
            wire.write(label);
            wire.write(bytes, position + 1, label);
            if (wire.size() > 254) {
                throw new IllegalArgumentException("a name longer than 255 bytes");
            }
            if (text.length() > 0) {
                text.append('.');
            }
            for (int i = position + 1; i <= position + label; i++) {
                char c = (char) (bytes[i] & 0xff);
                // a dot or backslash inside a label is escaped, so the text never equals a plain name
                text.append(c == '.' || c == '\\' ? "\\" + c : String.valueOf(c));
            }
            position += 1 + label;
        }
        wire.write(0);
        at[0] = end;
        return new Name(wire.toByteArray(), text.toString());
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        writeU16(out, id);
        writeU16(out, flags);
        writeU16(out, questions.size());
        writeU16(out, answers.size());
        writeU16(out, authority.size());
        writeU16(out, additional.size());
        for (Question question : questions) {
            out.writeBytes(question.name().wire());
            writeU16(out, question.type());
            writeU16(out, question.qclass());
        }
        for (List<Record> section : List.of(answers, authority, additional)) {
            for (Record record : section) {
                out.writeBytes(record.name().wire());
                writeU16(out, record.type());
                writeU16(out, record.rclass());
                writeU16(out, (int) (record.ttl() >>> 16));
                writeU16(out, (int) record.ttl());
                writeU16(out, record.data().length);
                out.writeBytes(record.data());
            }
        }
        return out.toByteArray();
    }

    /** An OPT record: our UDP payload size, extended rcode bits, version 0, no flags, these options. */
    public static Record opt(int udpSize, int extendedRcode, byte[] options) {
        return new Record(Name.of(""), TYPE_OPT, udpSize, ((long) extendedRcode & 0xff) << 24, options, null);
    }

    /** An EDNS option (RFC 6891): code, length, data. */
    public static byte[] option(int code, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeU16(out, code);
        writeU16(out, data.length);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static void writeU16(ByteArrayOutputStream out, int value) {
        out.write((value >> 8) & 0xff);
        out.write(value & 0xff);
    }

    private static int u16(ByteBuffer in, int at) {
        return Short.toUnsignedInt(in.getShort(at));
    }

    private static void need(int length, int end) {
        if (end > length) {
            throw new IllegalArgumentException("a DNS message cut short");
        }
    }
}
