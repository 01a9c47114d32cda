package dev.cellrunner.conformance.egress;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small authoritative DNS server for the egress tests, run as its own process in the test hosts'
 * namespace: {@code DnsFixture ADDRESS ZONE-FILE QUERY-LOG}. It answers from the zone file, read again
 * whenever it changes, one record a line: {@code name type ttl value} with type A, AAAA or CNAME; an A
 * or AAAA value {@code a|b|c} is answered one address per query in turn. Every query it receives is
 * appended to the log ({@code name type transport}), so a test can tell what reached it. Over UDP an
 * answer larger than 512 bytes (or the client's EDNS size) is truncated, as real servers do; TCP answers whole.
 */
public final class DnsFixture {
    private static final Map<String, Integer> TYPES = Map.of("A", 1, "CNAME", 5, "AAAA", 28);
    private final Path zoneFile;
    private final Path log;
    private final Map<String, Integer> turns = new HashMap<>();
    private long zoneModified = -1;
    private List<String[]> zone = List.of();

    private DnsFixture(Path zoneFile, Path log) {
        this.zoneFile = zoneFile;
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[0]);
        DnsFixture fixture = new DnsFixture(Path.of(args[1]), Path.of(args[2]));
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, 53));
        ServerSocket tcp = new ServerSocket();
        tcp.bind(new InetSocketAddress(address, 53));
        Thread tcpThread = new Thread(() -> fixture.serveTcp(tcp), "tcp");
        tcpThread.setDaemon(true);
        tcpThread.start();
        System.out.print("ready\n");
        System.out.flush();
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the test closes our stdin to stop us
                }
            } catch (IOException e) {
                // ends below
            }
            System.exit(0);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        byte[] buffer = new byte[4096];
        while (true) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            udp.receive(packet);
            byte[] answer = fixture.answer(buffer, packet.getLength(), "udp");
            if (answer != null) {
                udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            }
        }
    }

    private void serveTcp(ServerSocket server) {
        while (true) {
            try (Socket client = server.accept()) {
                DataInputStream in = new DataInputStream(client.getInputStream());
                DataOutputStream out = new DataOutputStream(client.getOutputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] answer = answer(query, query.length, "tcp");
                if (answer != null) {
                    out.writeShort(answer.length);
                    out.write(answer);
                    out.flush();
                }
            } catch (IOException e) {
                // next client
            }
        }
    }

    private synchronized byte[] answer(byte[] query, int length, String transport) throws IOException {
        if (length < 17) {
            return null;
        }
        int at = 12;
        List<String> labels = new ArrayList<>();
        while (at < length && query[at] != 0) {
            int label = query[at] & 0xff;
            labels.add(new String(query, at + 1, label, StandardCharsets.ISO_8859_1));
            at += 1 + label;
        }
        int questionEnd = at + 5;
        if (questionEnd > length) {
            return null;
        }
        String name = String.join(".", labels).toLowerCase(Locale.ROOT);
        int type = ((query[at + 1] & 0xff) << 8) | (query[at + 2] & 0xff);
        Files.writeString(log, name + " " + type + " " + transport + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        int udpLimit = 512;
        if (length > questionEnd + 11 && query[questionEnd + 2] == 0 && query[questionEnd + 3] == 41) {
            udpLimit = Math.max(512, ((query[questionEnd + 4] & 0xff) << 8) | (query[questionEnd + 5] & 0xff));
        }
        reloadZone();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        int count = 0;
        boolean exists = false;
        String current = name;
        for (int link = 0; link < 10; link++) {
            String next = null;
            for (String[] record : zone) {
                if (!record[0].equals(current)) {
                    continue;
                }
                exists = true;
                int recordType = TYPES.get(record[1]);
                if (recordType == 5) {
                    next = record[3].toLowerCase(Locale.ROOT);
                    writeRecord(records, current, 5, Long.parseLong(record[2]), encodeName(next));
                    count++;
                } else if (recordType == type) {
                    String[] choices = record[3].split("\\|");
                    String key = record[0] + " " + record[1] + " " + record[3];
                    int turn = turns.merge(key, 1, Integer::sum) - 1;
                    writeRecord(records, current, type, Long.parseLong(record[2]),
                            InetAddress.getByName(choices[turn % choices.length]).getAddress());
                    count++;
                }
            }
            if (next == null) {
                break;
            }
            current = next;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int flags = 0x8400 | (query[2] & 0x01) << 8 | (exists ? 0 : 3);
        byte[] body = records.toByteArray();
        boolean truncate = "udp".equals(transport) && 12 + (questionEnd - 12) + body.length > udpLimit;
        if (truncate) {
            flags |= 0x0200;
        }
        out.write(query[0]);
        out.write(query[1]);
        out.write(flags >> 8);
        out.write(flags & 0xff);
        out.write(new byte[] {0, 1, 0, (byte) (truncate ? 0 : count), 0, 0, 0, 0});
        out.write(query, 12, questionEnd - 12);
        if (!truncate) {
            out.write(body);
        }
        return out.toByteArray();
    }

    private void reloadZone() throws IOException {
        long modified = Files.exists(zoneFile) ? Files.getLastModifiedTime(zoneFile).toMillis() + Files.size(zoneFile) : 0;
        if (modified == zoneModified) {
            return;
        }
        zoneModified = modified;
        List<String[]> records = new ArrayList<>();
        if (Files.exists(zoneFile)) {
            for (String line : Files.readAllLines(zoneFile)) {
                String[] fields = line.strip().split("\\s+");
                if (fields.length == 4 && TYPES.containsKey(fields[1])) {
                    fields[0] = fields[0].toLowerCase(Locale.ROOT);
                    records.add(fields);
                }
            }
        }
        zone = records;
    }

    private static void writeRecord(ByteArrayOutputStream out, String name, int type, long ttl, byte[] data) {
        byte[] owner = encodeName(name);
        out.write(owner, 0, owner.length);
        out.write(type >> 8);
        out.write(type);
        out.write(0);
        out.write(1);
        out.write((int) (ttl >> 24));
        out.write((int) (ttl >> 16));
        out.write((int) (ttl >> 8));
        out.write((int) ttl);
        out.write(data.length >> 8);
        out.write(data.length);
        out.write(data, 0, data.length);
    }

    private static byte[] encodeName(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.ISO_8859_1);
            out.write(bytes.length);
            out.write(bytes, 0, bytes.length);
        }
        out.write(0);
        return out.toByteArray();
    }
}
