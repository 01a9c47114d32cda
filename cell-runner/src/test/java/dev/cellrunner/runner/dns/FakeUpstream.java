package dev.cellrunner.runner.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An upstream DNS server on 127.0.0.1 for tests: answers each name and type from {@link #records}
 * (NXDOMAIN for a name it has nothing for), truncates UDP answers over 512 bytes as servers do, serves
 * TCP on the same port, and keeps every question it was asked.
 */
final class FakeUpstream implements AutoCloseable {
    final Map<String, List<DnsMessage.Record>> records = new ConcurrentHashMap<>();
    final List<String> asked = Collections.synchronizedList(new ArrayList<>());
    private final DatagramSocket udp;
    private final ServerSocket tcp;

    FakeUpstream() throws IOException {
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        tcp = new ServerSocket(udp.getLocalPort(), 8, InetAddress.getLoopbackAddress());
        Thread udpThread = new Thread(this::serveUdp, "fake-upstream-udp");
        udpThread.setDaemon(true);
        udpThread.start();
        Thread tcpThread = new Thread(this::serveTcp, "fake-upstream-tcp");
        tcpThread.setDaemon(true);
        tcpThread.start();
    }

    Upstream upstream() {
        return new Upstream(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort())));
    }

    void add(String name, DnsMessage.Record record) {
        records.computeIfAbsent(name, n -> Collections.synchronizedList(new ArrayList<>())).add(record);
    }

    private byte[] answer(byte[] bytes, int length, boolean overUdp) {
        DnsMessage query = DnsMessage.parse(bytes, length);
        DnsMessage.Question question = query.questions().get(0);
        String name = question.name().text().toLowerCase();
        asked.add(name + " " + question.type());
        List<DnsMessage.Record> known = records.get(name);
        List<DnsMessage.Record> answers = new ArrayList<>();
        if (known != null) {
            for (DnsMessage.Record record : known) {
                if (record.type() == question.type() || record.type() == DnsMessage.TYPE_CNAME) {
                    answers.add(record);
                }
            }
        }
        int flags = DnsMessage.QR | DnsMessage.RA | (known == null ? DnsMessage.NXDOMAIN : 0);
        byte[] encoded = new DnsMessage(query.id(), flags, query.questions(), answers, List.of(), List.of()).encode();
        if (overUdp && encoded.length > 512) {
            encoded = new DnsMessage(query.id(), flags | DnsMessage.TC, query.questions(), List.of(), List.of(),
                    List.of()).encode();
        }
        return encoded;
    }

    private void serveUdp() {
        byte[] buffer = new byte[4096];
        while (!udp.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                byte[] answer = answer(buffer, packet.getLength(), true);
                udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            } catch (IOException | RuntimeException e) {
                // closed, or a message the test meant to be bad
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket client = tcp.accept()) {
                var in = new java.io.DataInputStream(client.getInputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] answer = answer(query, query.length, false);
                var out = new java.io.DataOutputStream(client.getOutputStream());
                out.writeShort(answer.length);
                out.write(answer);
            } catch (IOException | RuntimeException e) {
                // next
            }
        }
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
