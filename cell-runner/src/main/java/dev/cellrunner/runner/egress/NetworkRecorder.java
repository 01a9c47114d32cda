package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.dns.CellResponder;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkError;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.NetlinkReply;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.records.BoundedLog;
import dev.cellrunner.runner.records.DeniedConnectionRecord;
import dev.cellrunner.runner.records.LandlockDenialRecord;
import dev.cellrunner.runner.records.LandlockDenials;
import dev.cellrunner.runner.records.FlowRecord;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.Protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel of a cell's namespace reports about its traffic, read without a thread per cell:
 * <ul>
 *   <li>denied connections: every packet a reject rule of the cell's ruleset logs to nfnetlink_log
 *   (group {@link DnsPolicy#LOG_GROUP}), the packet's headers copied;</li>
 *   <li>flows: the conntrack entries of the cell's namespace (accounting and timestamps switched on
 *   there), from destroy events while the cell runs and a dump of those still alive at the end.</li>
 * </ul>
 * Both sockets are opened inside the cell and fill their (large) receive buffers; a runner-wide timer
 * empties them every half second and at the end, so no report waits on the kernel's side.
 */
final class NetworkRecorder implements AutoCloseable {
    /** What the kernel cannot report here, said in every set of records (and {@link #landlockUnrecorded}). */
    static final List<String> UNRECORDED = List.of(
            "packets the host-side filter drops are counted (supplementaryDroppedPackets), not recorded per destination",
            "connections and answers of the cell's own loopback are not recorded");
    private static final int RECEIVE_BUFFER = 4 << 20;
    private static final int NFULNL_MSG_PACKET = 0;
    private static final int NFULNL_MSG_CONFIG = 1;
    private static final int NFULA_CFG_CMD = 1;
    private static final int NFULA_CFG_MODE = 2;
    private static final int NFULA_CFG_QTHRESH = 5;
    private static final int NFULNL_CFG_CMD_BIND = 1;
    private static final int NFULNL_COPY_PACKET = 2;
    private static final int COPY_RANGE = 128;
    private static final int NFULA_PAYLOAD = 9;
    private static final int NFULA_PREFIX = 10;
    private static final int NFNLGRP_CONNTRACK_DESTROY = 3;
    private static final int IPCTNL_MSG_CT_GET = 1;
    private static final int IPCTNL_MSG_CT_DELETE = 2;
    private static final int IPCTNL_MSG_CT_GET_STATS = 5;
    private static final int CTA_STATS_GLOBAL_ENTRIES = 1;
    private static final int CTA_TUPLE_ORIG = 1;
    private static final int CTA_TUPLE_REPLY = 2;
    private static final int CTA_COUNTERS_ORIG = 9;
    private static final int CTA_COUNTERS_REPLY = 10;
    private static final int CTA_ID = 12;
    private static final int CTA_TIMESTAMP = 20;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final ScheduledExecutorService DRAIN = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "cell-network-records");
        thread.setDaemon(true);
        return thread;
    });

    private final NetfilterNetlink log;
    private final NetfilterNetlink conntrack;
    private final List<PinnedRule> rules;
    private final BoundedLog<DeniedConnectionRecord.Key, DeniedConnectionRecord> denied;
    private final BoundedLog<FlowRecord.Key, FlowRecord> flows;
    private final Set<Integer> seenConnections = new HashSet<>();
    private volatile CellResponder responder;
    private final java.util.concurrent.ScheduledFuture<?> draining;

    NetworkRecorder(Sockets sockets, List<PinnedRule> rules, int limit) {
        this.log = sockets.log();
        this.conntrack = sockets.conntrack();
        this.rules = rules;
        this.denied = new BoundedLog<>(limit);
        this.flows = new BoundedLog<>(limit);
        this.draining = DRAIN.scheduleWithFixedDelay(this::drainQuietly, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** The two sockets, opened inside the cell. */
    record Sockets(NetfilterNetlink log, NetfilterNetlink conntrack) {
    }

    /**
     * Sockets and switches inside the cell: call on a thread in the cell's namespace, before the
     * workload; then {@link #NetworkRecorder(Sockets, List, int)} on a runner thread (the timer's thread
     * must never be born of a thread inside a cell).
     */
    static Sockets openHere() throws OsError, NetlinkError, IOException {
        for (String sysctl : List.of("nf_conntrack_acct", "nf_conntrack_timestamp")) {
            Files.writeString(Path.of("/proc/sys/net/netfilter", sysctl), "1");
        }
        NetfilterNetlink log = NetfilterNetlink.open(0, RECEIVE_BUFFER);
        NetfilterNetlink conntrack = null;
        try {
            log.request(config(new byte[] {NFULNL_CFG_CMD_BIND}, NFULA_CFG_CMD), "bind nfnetlink_log group");
            byte[] mode = ByteBuffer.allocate(6).putInt(COPY_RANGE).put((byte) NFULNL_COPY_PACKET).array();
            log.request(config(mode, NFULA_CFG_MODE), "nfnetlink_log copy mode");
            log.request(config(ByteBuffer.allocate(4).putInt(1).array(), NFULA_CFG_QTHRESH), "nfnetlink_log queue threshold");
            conntrack = NetfilterNetlink.open(1 << (NFNLGRP_CONNTRACK_DESTROY - 1), RECEIVE_BUFFER);
            return new Sockets(log, conntrack);
        } catch (OsError | NetlinkError | RuntimeException e) {
            log.close();
            if (conntrack != null) {
                conntrack.close();
            }
            throw e;
        }
    }

    private static NetlinkMessage config(byte[] value, int attribute) {
        return NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_ULOG, NFULNL_MSG_CONFIG,
                NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_ACK, 0, DnsPolicy.LOG_GROUP).attribute(attribute, value);
    }

    /** The responder whose answers explain flows to answered addresses. */
    void explainWith(CellResponder cellResponder) {
        this.responder = cellResponder;
    }

    private void drainQuietly() {
        try {
            drain();
        } catch (OsError | RuntimeException e) {
            // the socket is closing, or the kernel sent something unreadable: the final drain reports it
        }
    }

    private synchronized void drain() throws OsError {
        log.drain(this::logged);
        conntrack.drain(reply -> {
            if ((reply.type() & 0xff) == IPCTNL_MSG_CT_DELETE) {
                connection(reply);
            }
        });
    }

    /**
     * Why TCP connects landlock refused are not among the denied connections, or null when they are:
     * landlock refuses a connect to an undeclared port (ABI 4 and later) before any packet leaves, so
     * only its own audit records (ABI 7, the kernel's audit on) can tell it.
     */
    static String landlockUnrecorded(LandlockDenials landlock) {
        return landlock.recorded() ? null : "TCP connects to undeclared ports are refused by landlock before any packet "
                + "leaves, and only landlock's audit records tell them (then listed here with layer landlock); not here: "
                + landlock.reason();
    }

    /**
     * Everything reported up to now, the connections still tracked, and the TCP connects landlock refused
     * (from {@code landlock}, layer {@value DeniedConnectionRecord#LANDLOCK}, in the same bounded list);
     * the recorder stays usable.
     */
    synchronized Recorded finish(long rejectedPackets, LandlockDenials landlock) {
        List<String> problems = new ArrayList<>();
        try {
            drain();
            if (trackedConnections() > 0) {
                NetlinkMessage dump = NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET,
                        NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_DUMP, 0, 0);
                for (NetlinkReply reply : conntrack.dump(dump, "list the cell's connections")) {
                    connection(reply);
                }
            }
        } catch (OsError | NetlinkError e) {
            problems.add("cannot read the kernel's reports: " + e.getMessage());
        }
        long logged = denied.totals().events();
        if (rejectedPackets > logged) {
            denied.countUnrecorded(rejectedPackets - logged);
        }
        for (LandlockDenialRecord refused : landlock.entries()) {
            if (refused.tcpConnect()) {
                DeniedConnectionRecord entry = DeniedConnectionRecord.landlock(refused);
                denied.record(new DeniedConnectionRecord.Key(entry.destination(), entry.port(), entry.protocol(),
                        entry.rule(), entry.layer()), refused.count(), k -> entry, old -> old);
            }
        }
        String landlockGap = landlockUnrecorded(landlock);
        if (landlockGap != null) {
            problems.add(landlockGap);
        }
        if (conntrack.overruns() > 0) {
            problems.add("the kernel dropped " + conntrack.overruns() + " batches of conntrack events (buffer full)");
        }
        return new Recorded(denied.entries(), denied.totals(), flows.entries(), flows.totals(), problems);
    }

    /**
     * How many connections the cell's namespace tracks (its own count, read without a walk): a dump
     * walks the host-wide conntrack hash (262144 buckets here, some milliseconds) for each cell, so it
     * is skipped when there is nothing to list. The kernel answers within the send, so the answer is
     * read without waiting, destroy events queued before it taken as always; no count read counts as some.
     */
    private long trackedConnections() throws OsError {
        NetlinkMessage stats = NetfilterNetlink.message(NetfilterNetlink.NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET_STATS,
                NetlinkMessage.NLM_F_REQUEST, 0, 0);
        int sequence = conntrack.send(stats, "count the cell's connections");
        long[] entries = {Long.MAX_VALUE};
        conntrack.drainAnswers(reply -> {
            if (reply.sequence() == 0) {
                if ((reply.type() & 0xff) == IPCTNL_MSG_CT_DELETE) {
                    connection(reply);
                }
            } else if (reply.sequence() == sequence && reply.type() != NetlinkReply.NLMSG_ERROR) {
                byte[] count = reply.attributes(4).get(CTA_STATS_GLOBAL_ENTRIES);
                if (count != null && count.length >= 4) {
                    entries[0] = ByteBuffer.wrap(count).getInt() & 0xffffffffL;
                }
            }
        });
        return entries[0];
    }

    record Recorded(List<DeniedConnectionRecord> denied, dev.cellrunner.runner.records.Totals deniedTotals,
                    List<FlowRecord> flows, dev.cellrunner.runner.records.Totals flowTotals, List<String> problems) {
    }

    private void logged(NetlinkReply packet) {
        if ((packet.type() & 0xff) != NFULNL_MSG_PACKET) {
            return;
        }
        Map<Integer, byte[]> attributes = packet.attributes(4);
        byte[] payload = attributes.get(NFULA_PAYLOAD);
        byte[] prefix = attributes.get(NFULA_PREFIX);
        Optional<Destination> destination = payload == null ? Optional.empty() : Destination.ofPacket(payload);
        String rule = prefix == null ? "" : new String(prefix, StandardCharsets.US_ASCII).replace("\0", "");
        Instant now = Instant.now();
        if (destination.isEmpty()) {
            denied.countUnrecorded(1);
            return;
        }
        Destination d = destination.get();
        denied.record(new DeniedConnectionRecord.Key(d.address(), d.port(), d.protocol(), rule,
                        DeniedConnectionRecord.NFTABLES),
                k -> new DeniedConnectionRecord(k.destination(), k.port(), k.protocol(), k.rule(), k.layer(), 1, 0, now, now),
                old -> old.again(now));
    }

    /** One conntrack entry (an event or a dump answer) as a flow, unless it is the cell talking to itself. */
    private void connection(NetlinkReply reply) {
        Map<Integer, byte[]> attributes = reply.attributes(4);
        byte[] id = attributes.get(CTA_ID);
        if (id != null && !seenConnections.add(ByteBuffer.wrap(id).getInt())) {
            return;
        }
        Optional<Tuple> original = Tuple.of(NetlinkReply.nestedByType(attributes.get(CTA_TUPLE_ORIG)));
        Optional<Tuple> answer = Tuple.of(NetlinkReply.nestedByType(attributes.get(CTA_TUPLE_REPLY)));
        if (original.isEmpty() || answer.isEmpty()) {
            return;
        }
        Tuple out = original.get();
        if (out.destination().isLoopbackAddress() || out.source().isLoopbackAddress()
                || answer.get().source().isLoopbackAddress() || (out.protocol() != TCP && out.protocol() != UDP)) {
            return; // loopback, the responder (redirected queries come back from loopback), ICMP
        }
        long[] sent = counters(attributes.get(CTA_COUNTERS_ORIG));
        long[] received = counters(attributes.get(CTA_COUNTERS_REPLY));
        long[] times = counters(attributes.get(CTA_TIMESTAMP));
        Instant first = times[0] > 0 ? Instant.ofEpochSecond(0, times[0]) : Instant.now();
        Instant last = times[1] > 0 ? Instant.ofEpochSecond(0, times[1]) : Instant.now();
        Protocol protocol = out.protocol() == TCP ? Protocol.TCP : Protocol.UDP;
        String text = Addresses.text(out.destination());
        Explanation why = explain(out.destination(), out.port(), protocol);
        FlowRecord flow = new FlowRecord(text, out.port(), protocol.wireName(), why.rules(), why.name(), 1, sent[0],
                sent[1], received[0], received[1], first, last);
        flows.record(new FlowRecord.Key(text, out.port(), protocol.wireName()), k -> flow, old -> old.plus(flow));
    }

    private record Explanation(List<String> rules, String name) {
    }

    /** The rules that admit the destination: declared addresses and pinned names first, then DNS answers. */
    private Explanation explain(InetAddress address, int port, Protocol protocol) {
        List<String> matched = new ArrayList<>();
        String name = null;
        IpPrefix single = new IpPrefix(address, address.getAddress().length * 8);
        for (PinnedRule rule : rules) {
            if (rule.declared().port() == port && rule.declared().protocol() == protocol
                    && rule.destinations().stream().anyMatch(d -> d.overlaps(single))) {
                matched.add("egressRules[" + rule.index() + "]");
                if (rule.fromHostname() && name == null) {
                    name = rule.pattern().map(Object::toString).orElse(null);
                }
            }
        }
        CellResponder answers = responder;
        if (answers != null) {
            Optional<CellResponder.Admission> admission = answers.admission(new CellResponder.Opened(address, port, protocol));
            if (admission.isPresent()) {
                for (int index : admission.get().rules()) {
                    String rule = "egressRules[" + index + "]";
                    if (!matched.contains(rule)) {
                        matched.add(rule);
                    }
                }
                name = name == null ? admission.get().name() : name;
            }
            if (name == null) {
                name = answers.nameAnswering(address).orElse(null); // audit mode: answers open nothing
            }
        }
        return new Explanation(matched, name);
    }

    /** The two big-endian 64-bit values of a nest (packets and bytes, or start and stop); zeros when absent. */
    private static long[] counters(byte[] data) {
        Map<Integer, byte[]> values = NetlinkReply.nestedByType(data);
        return new long[] {NetlinkReply.bigEndianU64(values.get(1)), NetlinkReply.bigEndianU64(values.get(2))};
    }

    private record Tuple(InetAddress source, InetAddress destination, int protocol, int port) {
        static Optional<Tuple> of(Map<Integer, byte[]> tuple) {
            Map<Integer, byte[]> ip = NetlinkReply.nestedByType(tuple.get(1));
            Map<Integer, byte[]> proto = NetlinkReply.nestedByType(tuple.get(2));
            byte[] source = ip.containsKey(1) ? ip.get(1) : ip.get(3);
            byte[] destination = ip.containsKey(2) ? ip.get(2) : ip.get(4);
            byte[] number = proto.get(1);
            if (source == null || destination == null || number == null || number.length < 1) {
                return Optional.empty();
            }
            byte[] port = proto.get(3);
            try {
                return Optional.of(new Tuple(InetAddress.getByAddress(source), InetAddress.getByAddress(destination),
                        number[0] & 0xff, port == null || port.length < 2 ? 0 : ((port[0] & 0xff) << 8) | (port[1] & 0xff)));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
    }

    /** Where a logged packet was going: from its IPv4 or IPv6 header and the ports after it. */
    record Destination(String address, int port, String protocol) {
        static Optional<Destination> ofPacket(byte[] packet) {
            if (packet.length < 1) {
                return Optional.empty();
            }
            int version = (packet[0] & 0xff) >> 4;
            int protocol;
            int transport;
            byte[] address;
            if (version == 4 && packet.length >= 20) {
                protocol = packet[9] & 0xff;
                transport = (packet[0] & 0x0f) * 4;
                address = java.util.Arrays.copyOfRange(packet, 16, 20);
            } else if (version == 6 && packet.length >= 40) {
                protocol = packet[6] & 0xff;
                transport = 40;
                address = java.util.Arrays.copyOfRange(packet, 24, 40);
            } else {
                return Optional.empty();
            }
            String name = switch (protocol) {
                case TCP -> "tcp";
                case UDP -> "udp";
                case 1 -> "icmp";
                case 58 -> "icmpv6";
                default -> Integer.toString(protocol);
            };
            int port = (protocol == TCP || protocol == UDP) && packet.length >= transport + 4
                    ? ((packet[transport + 2] & 0xff) << 8) | (packet[transport + 3] & 0xff) : 0;
            try {
                return Optional.of(new Destination(Addresses.text(InetAddress.getByAddress(address)), port, name));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
    }

    @Override
    public synchronized void close() {
        draining.cancel(false);
        log.close();
        conntrack.close();
    }
}
