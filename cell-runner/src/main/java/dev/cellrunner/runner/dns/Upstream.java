package dev.cellrunner.runner.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The resolvers the runner asks, from the runner's own network namespace, never through a cell: the
 * nameservers of the runner's /etc/resolv.conf, or the one given with {@code --dns-upstream
 * ADDR[:PORT]}. One query per call: over UDP with EDNS0 (a fresh socket, so a fresh source port, and a
 * random ID; answers that do not match the question are ignored), then over TCP when the answer is
 * truncated. Servers are tried in order until one answers within the time left.
 */
public final class Upstream {
    public static final int PORT = 53;
    /** The EDNS0 payload size asked for: the DNS flag day 2020 value, which avoids IP fragmentation. */
    static final int UDP_SIZE = 1232;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<InetSocketAddress> servers;

    public Upstream(List<InetSocketAddress> servers) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no upstream DNS server");
        }
        this.servers = List.copyOf(servers);
    }

    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** {@code ADDR}, {@code ADDR:PORT}, {@code [IPV6]:PORT} or a bare IPv6 address; IP literals only. */
    public static Upstream parse(String option) {
        String address = option;
        int port = PORT;
        if (option.startsWith("[")) {
            int close = option.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("--dns-upstream " + option + ": missing ']'");
            }
            address = option.substring(1, close);
            String rest = option.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("--dns-upstream " + option + ": expected :PORT after ']'");
                }
                port = port(option, rest.substring(1));
            }
        } else if (option.indexOf(':') >= 0 && option.indexOf(':') == option.lastIndexOf(':')) {
            address = option.substring(0, option.indexOf(':'));
            port = port(option, option.substring(option.indexOf(':') + 1));
        }
        if (!address.matches("[0-9.]+|[0-9A-Fa-f:.]+") || !address.matches(".*[.:].*")) {
            throw new IllegalArgumentException("--dns-upstream " + option + ": expected an IP address, optionally with :PORT");
        }
        try {
            return new Upstream(List.of(new InetSocketAddress(InetAddress.getByName(address), port)));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("--dns-upstream " + option + ": not an IP address");
        }
    }

    private static int port(String option, String text) {
        if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("--dns-upstream " + option + ": port '" + text + "' is not 1..65535");
        }
        return Integer.parseInt(text);
    }

    /** The nameservers of a resolv.conf file (as glibc reads them, at most three); IOException when none. */
    public static Upstream fromResolvConf(Path file) throws IOException {
        List<InetSocketAddress> servers = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver") && servers.size() < 3) {
                    String address = words[1].contains("%") ? words[1].substring(0, words[1].indexOf('%')) : words[1];
                    if (address.matches("[0-9A-Fa-f:.]+")) {
                        servers.add(new InetSocketAddress(InetAddress.getByName(address), PORT));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new IOException(file + " does not exist: no upstream DNS server (use --dns-upstream)");
        }
        if (servers.isEmpty()) {
            throw new IOException(file + " names no nameserver (use --dns-upstream)");
        }
        return new Upstream(servers);
    }

    /**
     * Asks the servers for {@code name}/{@code type} (recursion desired); returns the first answer whose
     * ID and question match. IOException when no server answered within {@code timeout}.
     */
    public DnsMessage query(DnsMessage.Name name, int type, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        for (int round = 0; round < 2; round++) {
            for (InetSocketAddress server : servers) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                // the first round gives each server a share of the time, the second what is left
                long share = round == 0 ? Math.max(left / (2L * servers.size()), 200_000_000L) : left;
                try {
                    return ask(server, name, type, Math.min(share, left));
                } catch (IOException e) {
                    last = e;
                }
            }
        }
        throw last != null ? last : new SocketTimeoutException("no time left to ask " + servers);
    }

    private DnsMessage ask(InetSocketAddress server, DnsMessage.Name name, int type, long nanos) throws IOException {
        int id = RANDOM.nextInt(0x10000);
        DnsMessage.Question question = new DnsMessage.Question(name, type, DnsMessage.CLASS_IN);
        byte[] query = new DnsMessage(id, DnsMessage.RD, List.of(question), List.of(), List.of(),
                List.of(DnsMessage.opt(UDP_SIZE, 0, new byte[0]))).encode();
        long deadline = System.nanoTime() + nanos;
        DnsMessage answer = overUdp(server, query, id, question, deadline);
        return answer.truncated() ? overTcp(server, query, id, question, deadline) : answer;
    }

    private static DnsMessage overUdp(InetSocketAddress server, byte[] query, int id, DnsMessage.Question question,
                                      long deadline) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.send(new DatagramPacket(query, query.length));
            byte[] buffer = new byte[65535];
            while (true) {
                int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                if (deadline - System.nanoTime() <= 0) {
                    throw new SocketTimeoutException(server + " did not answer in time");
                }
                socket.setSoTimeout(left);
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                DnsMessage answer = matching(buffer, packet.getLength(), id, question);
                if (answer != null) {
                    return answer;
                }
            }
        }
    }

    private static DnsMessage overTcp(InetSocketAddress server, byte[] query, int id, DnsMessage.Question question,
                                      long deadline) throws IOException {
        try (Socket socket = new Socket()) {
            int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            socket.connect(server, left);
            socket.setSoTimeout(left);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] buffer = new byte[in.readUnsignedShort()];
            in.readFully(buffer);
            DnsMessage answer = matching(buffer, buffer.length, id, question);
            if (answer == null) {
                throw new IOException(server + " answered another question over TCP");
            }
            return answer;
        }
    }

    /** The parsed answer when it answers our question with our ID, else null. */
    private static DnsMessage matching(byte[] bytes, int length, int id, DnsMessage.Question question) {
        try {
            DnsMessage answer = DnsMessage.parse(bytes, length);
            boolean same = answer.isResponse() && answer.id() == id && answer.questions().size() == 1
                    && answer.questions().get(0).name().sameAs(question.name())
                    && answer.questions().get(0).type() == question.type();
            return same ? answer : null;
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
