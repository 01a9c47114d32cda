package dev.cellrunner.runner.dns;

import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.records.BoundedLog;
import dev.cellrunner.runner.records.DnsQueryRecord;
import dev.cellrunner.runner.records.DnsQueryRecord.Verdict;
import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.Protocol;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The policy of a cell's DNS responder, apart from its sockets ({@link ResponderSockets}): turns one
 * query into one answer. Only declared names are answered from upstream; an undeclared name is
 * answered NXDOMAIN here and never sent anywhere, so query names cannot carry data out. A and AAAA
 * are resolved (CNAME chains followed), other types answered empty. The answer's addresses that may
 * be reached join the cell's answer sets through the {@link AnswerGate} before the answer leaves;
 * addresses that must never be reached (the host, loopback, ...) are withheld and recorded. Every
 * query is recorded (bounded). In audit mode ({@link #forwardingAll}) every name is resolved upstream
 * and answered (the host's addresses still withheld), nothing is opened (the ruleset accepts all but
 * the host), and the records say which declared rules a name matched, if any.
 */
public final class CellResponder {
    /** Extended DNS Error 15, "Blocked" (RFC 8914). */
    private static final int EDE_BLOCKED = 15;
    private static final int EDNS_EDE = 15;
    private static final int UDP_MIN = 512;
    private static final int CACHE_ENTRIES = 4096;

    private final List<PinnedRule> rules;
    private final List<EgressHost.DnsPattern> patterns;
    private final NameLookup lookup;
    private final AnswerGate gate;
    private final Function<InetAddress, Optional<String>> neverAllowed;
    private final TtlPolicy ttl;
    private final Supplier<Instant> clock;
    private final BoundedLog<DnsQueryRecord.Key, DnsQueryRecord> queries;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Until when each answered element is open in the kernel (nanoTime), so repeats skip the kernel. */
    private final Map<Opened, Long> openUntil = new ConcurrentHashMap<>();
    private final BoundedLog<Opened, Admission> admissions;
    /** Audit mode: every name is answered, not only declared ones, and nothing needs opening. */
    private final boolean forwardAll;
    /** The first name whose answer gave each address (audit mode explains flows with it). */
    private final BoundedLog<InetAddress, String> answeredBy;

    /**
     * @param rules        the cell's rules; those naming a host are matched against queries
     * @param neverAllowed why an address must never be given to the cell, or empty when it may be
     * @param recordLimit  the most query records (and admissions) kept
     */
    public CellResponder(List<PinnedRule> rules, NameLookup lookup, AnswerGate gate,
                         Function<InetAddress, Optional<String>> neverAllowed, TtlPolicy ttl, int recordLimit,
                         Supplier<Instant> clock) {
        this(rules, lookup, gate, neverAllowed, ttl, recordLimit, clock, false);
    }

    /** The audit mode's responder: forwards every name, opens nothing (see the class comment). */
    public static CellResponder forwardingAll(List<PinnedRule> rules, NameLookup lookup,
                                              Function<InetAddress, Optional<String>> neverAllowed, TtlPolicy ttl,
                                              int recordLimit, Supplier<Instant> clock) {
        return new CellResponder(rules, lookup, openings -> { }, neverAllowed, ttl, recordLimit, clock, true);
    }

    private CellResponder(List<PinnedRule> rules, NameLookup lookup, AnswerGate gate,
                          Function<InetAddress, Optional<String>> neverAllowed, TtlPolicy ttl, int recordLimit,
                          Supplier<Instant> clock, boolean forwardAll) {
        this.forwardAll = forwardAll;
        this.answeredBy = new BoundedLog<>(Math.max(recordLimit, 1) * 4);
        this.rules = rules.stream().filter(r -> r.pattern().isPresent()).toList();
        this.patterns = this.rules.stream().map(r -> r.pattern().orElseThrow()).toList();
        this.lookup = lookup;
        this.gate = gate;
        this.neverAllowed = neverAllowed;
        this.ttl = ttl;
        this.clock = clock;
        this.queries = new BoundedLog<>(recordLimit);
        this.admissions = new BoundedLog<>(Math.max(recordLimit, 1) * 4);
    }

    /** An address, port and protocol the responder opened. */
    public record Opened(InetAddress address, int port, Protocol protocol) {
    }

    /** Who opened an element: the rules and the name asked, and when. */
    public record Admission(List<Integer> rules, String name, Instant first, Instant last) {
    }

    private record Cached(Resolution resolution, long fetchedNanos) {
    }

    public BoundedLog<DnsQueryRecord.Key, DnsQueryRecord> queries() {
        return queries;
    }

    /** Whether an answer of this responder opened {@code opened} (at any time during the run). */
    public boolean hasOpened(Opened opened) {
        return openUntil.containsKey(opened);
    }

    /** The first name whose answer gave {@code address}, if any answer did. */
    public Optional<String> nameAnswering(InetAddress address) {
        return answeredBy.get(address);
    }

    /** Who opened {@code opened}, when an answer did. */
    public Optional<Admission> admission(Opened opened) {
        return admissions.get(opened);
    }

    /**
     * The answer to one message; null when nothing is to be sent (an unparseable message too short to
     * carry an ID, or a response). {@code udpLimit}: the datagram size the transport allows, 0 for TCP.
     */
    public byte[] answer(byte[] bytes, int length, boolean overUdp) {
        DnsMessage query;
        try {
            query = DnsMessage.parse(bytes, length);
        } catch (IllegalArgumentException malformed) {
            if (length < 12 || (bytes[2] & 0x80) != 0) {
                return null;
            }
            int id = ((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff);
            return new DnsMessage(id, DnsMessage.QR | DnsMessage.FORMERR, List.of(), List.of(), List.of(), List.of())
                    .encode();
        }
        if (query.isResponse()) {
            return null;
        }
        if (query.opcode() != 0) {
            return reply(query, DnsMessage.NOTIMP, List.of(), null, overUdp);
        }
        if (query.questions().size() != 1) {
            return reply(query, DnsMessage.FORMERR, List.of(), null, overUdp);
        }
        Optional<DnsMessage.Record> opt = query.opt();
        if (opt.isPresent() && ((opt.get().ttl() >>> 16) & 0xff) != 0) {
            return reply(query, DnsMessage.BADVERS, List.of(), null, overUdp);
        }
        return answer(query, overUdp);
    }

    private byte[] answer(DnsMessage query, boolean overUdp) {
        DnsMessage.Question question = query.questions().get(0);
        String name = EgressHost.wireName(question.name().text());
        String type = typeName(question.type());
        Instant now = clock.get();
        List<Integer> matched = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            if (patterns.get(i).matches(name)) {
                matched.add(i);
            }
        }
        List<String> ruleNames = matched.stream().map(i -> "egressRules[" + rules.get(i).index() + "]").toList();
        if (matched.isEmpty() && !forwardAll) {
            record(name, type, Verdict.DENIED, "undeclared", ruleNames, DnsMessage.NXDOMAIN, List.of(), List.of(),
                    List.of(), now);
            return reply(query, DnsMessage.NXDOMAIN, List.of(), "not declared in the cell's egressRules", overUdp);
        }
        boolean addressType = question.type() == DnsMessage.TYPE_A || question.type() == DnsMessage.TYPE_AAAA;
        if (question.qclass() != DnsMessage.CLASS_IN || !addressType) {
            record(name, type, Verdict.ALLOWED, "type answered empty", ruleNames, DnsMessage.NOERROR, List.of(),
                    List.of(), List.of(), now);
            return reply(query, DnsMessage.NOERROR, List.of(), null, overUdp);
        }
        Resolution resolution = resolve(name, question.type(), matched);
        if (resolution.failure() != null) {
            record(name, type, Verdict.ALLOWED, resolution.failure(), ruleNames, DnsMessage.SERVFAIL, List.of(),
                    List.of(), List.of(), now);
            return reply(query, DnsMessage.SERVFAIL, List.of(), null, overUdp);
        }
        List<DnsMessage.Record> given = new ArrayList<>();
        List<DnsQueryRecord.Answer> answered = new ArrayList<>();
        List<DnsQueryRecord.Refused> refused = new ArrayList<>();
        List<AnswerGate.Opening> openings = new ArrayList<>();
        long answerTtl = ttl.answered(resolution.ttl());
        for (DnsMessage.Record record : resolution.addresses()) {
            InetAddress address = NameLookup.address(record.data()); // an IPv4-mapped AAAA is the IPv4 address
            String text = new EgressHost.IpPrefix(address, address.getAddress().length * 8).toString();
            Optional<String> why = neverAllowed.apply(address);
            if (why.isPresent()) {
                refused.add(new DnsQueryRecord.Refused(text, why.get()));
                continue;
            }
            given.add(record.withTtl(answerTtl));
            answered.add(new DnsQueryRecord.Answer(text, answerTtl, forwardAll ? 0 : ttl.open(resolution.ttl())));
            answeredBy.record(address, a -> name, first -> first);
            for (int i : matched) {
                openings.add(new AnswerGate.Opening(address, rules.get(i), ttl.open(resolution.ttl())));
            }
        }
        try {
            openAll(openings, name, now);
        } catch (Exception e) {
            record(name, type, Verdict.ALLOWED, "cannot open the way: " + e.getMessage(), ruleNames,
                    DnsMessage.SERVFAIL, List.of(), cnames(resolution), refused, now);
            return reply(query, DnsMessage.SERVFAIL, List.of(), null, overUdp);
        }
        List<DnsMessage.Record> records = new ArrayList<>();
        for (DnsMessage.Record link : resolution.chain()) {
            records.add(link.withTtl(Math.min(link.ttl(), answerTtl)));
        }
        records.addAll(given);
        String reason = !refused.isEmpty() && given.isEmpty() ? "every address withheld"
                : forwardAll ? (matched.isEmpty() ? "forwarded (audit): no rule names it" : "forwarded (audit): declared")
                : "declared";
        record(name, type, Verdict.ALLOWED, reason, ruleNames, resolution.rcode(), answered, cnames(resolution), refused,
                now);
        return reply(query, resolution.rcode(), records, null, overUdp);
    }

    /** From the cache while it is valid (TTLs counted down), else upstream; pinned addresses when that fails. */
    private Resolution resolve(String name, int type, List<Integer> matched) {
        String key = type + " " + name;
        Cached cached = cache.get(key);
        long now = System.nanoTime();
        if (cached != null) {
            long age = (now - cached.fetchedNanos()) / 1_000_000_000L;
            if (age < cached.resolution().ttl()) {
                return aged(cached.resolution(), age);
            }
        }
        Resolution fresh = lookup.resolve(name, type);
        if (fresh.addresses().isEmpty()) {
            Resolution pinned = pinned(name, type, matched);
            if (pinned != null) {
                return pinned;
            }
        }
        if (fresh.failure() == null) {
            if (cache.size() >= CACHE_ENTRIES) {
                cache.clear();
            }
            cache.put(key, new Cached(fresh, now));
        }
        return fresh;
    }

    /**
     * An exact name pinned at start (from the runner's resolver, which may know it from a hosts file)
     * that upstream does not answer: its pinned addresses, which are open for the whole run.
     */
    private Resolution pinned(String name, int type, List<Integer> matched) {
        List<DnsMessage.Record> records = new ArrayList<>();
        DnsMessage.Name owner = DnsMessage.Name.of(name);
        for (int i : matched) {
            rules.get(i).destinations().stream().map(d -> d.address().getAddress())
                    .filter(bytes -> bytes.length == (type == DnsMessage.TYPE_A ? 4 : 16))
                    .forEach(bytes -> records.add(DnsMessage.Record.address(owner, ttl.minSeconds(), bytes)));
        }
        return records.isEmpty() ? null : new Resolution(DnsMessage.NOERROR, List.of(), records, ttl.minSeconds(), null);
    }

    private static Resolution aged(Resolution resolution, long age) {
        List<DnsMessage.Record> chain = resolution.chain().stream().map(r -> r.withTtl(Math.max(0, r.ttl() - age))).toList();
        List<DnsMessage.Record> addresses = resolution.addresses().stream()
                .map(r -> r.withTtl(Math.max(0, r.ttl() - age))).toList();
        return new Resolution(resolution.rcode(), chain, addresses, Math.max(0, resolution.ttl() - age), null);
    }

    /**
     * Opens what is not open long enough yet: an element is refreshed when less than half the minimum,
     * or less than the answer's TTL, is left of it.
     */
    private void openAll(List<AnswerGate.Opening> openings, String name, Instant now) throws Exception {
        long nanos = System.nanoTime();
        List<AnswerGate.Opening> needed = new ArrayList<>();
        for (AnswerGate.Opening opening : openings) {
            Opened key = new Opened(opening.address(), opening.rule().declared().port(), opening.rule().declared().protocol());
            Long until = openUntil.get(key);
            long wanted = Math.max(opening.seconds() / 2, Math.min(opening.seconds(), ttl.minSeconds() / 2));
            if (until == null || until - nanos < wanted * 1_000_000_000L) {
                needed.add(opening);
            }
        }
        if (!needed.isEmpty()) {
            gate.open(needed);
            for (AnswerGate.Opening opening : needed) {
                openUntil.put(new Opened(opening.address(), opening.rule().declared().port(),
                        opening.rule().declared().protocol()), nanos + opening.seconds() * 1_000_000_000L);
            }
        }
        for (AnswerGate.Opening opening : openings) {
            Opened key = new Opened(opening.address(), opening.rule().declared().port(), opening.rule().declared().protocol());
            admissions.record(key, k -> new Admission(List.of(opening.rule().index()), name, now, now),
                    old -> new Admission(old.rules().contains(opening.rule().index()) ? old.rules()
                            : plus(old.rules(), opening.rule().index()), old.name(), old.first(), now));
        }
    }

    private static List<Integer> plus(List<Integer> list, int value) {
        List<Integer> copy = new ArrayList<>(list);
        copy.add(value);
        return List.copyOf(copy);
    }

    private static List<String> cnames(Resolution resolution) {
        return resolution.chain().stream().map(r -> EgressHost.wireName(r.target().text())).toList();
    }

    private void record(String name, String type, Verdict verdict, String reason, List<String> ruleNames, int rcode,
                        List<DnsQueryRecord.Answer> answers, List<String> cnames, List<DnsQueryRecord.Refused> refused,
                        Instant now) {
        DnsQueryRecord latest = new DnsQueryRecord(name, type, verdict, reason, ruleNames, rcodeName(rcode), answers,
                cnames, refused, 1, now, now);
        queries.record(new DnsQueryRecord.Key(name, type, verdict, reason), key -> latest, old -> old.again(latest));
    }

    /** A response to {@code query}: its question, these answers, an OPT record when the query had one. */
    private byte[] reply(DnsMessage query, int rcode, List<DnsMessage.Record> answers, String blockedText,
                         boolean overUdp) {
        Optional<DnsMessage.Record> opt = query.opt();
        int flags = DnsMessage.QR | DnsMessage.RA | (query.flags() & DnsMessage.RD) | (query.opcode() << 11)
                | (rcode & 0xf);
        List<DnsMessage.Record> additional = new ArrayList<>();
        if (opt.isPresent()) {
            byte[] options = new byte[0];
            if (blockedText != null) {
                byte[] text = blockedText.getBytes(StandardCharsets.UTF_8);
                byte[] data = new byte[2 + text.length];
                data[1] = (byte) EDE_BLOCKED;
                System.arraycopy(text, 0, data, 2, text.length);
                options = DnsMessage.option(EDNS_EDE, data);
            }
            additional.add(DnsMessage.opt(Upstream.UDP_SIZE, rcode >> 4, options));
        }
        DnsMessage response = new DnsMessage(query.id(), flags, query.questions(), answers, List.of(), additional);
        byte[] encoded = response.encode();
        int limit = !overUdp ? 65535 : opt.map(o -> Math.max(UDP_MIN, Math.min(o.rclass(), Upstream.UDP_SIZE)))
                .orElse(UDP_MIN);
        if (encoded.length > limit) {
            // too large for this datagram: the client asks again over TCP
            encoded = new DnsMessage(query.id(), flags | DnsMessage.TC, query.questions(), List.of(), List.of(),
                    additional).encode();
        }
        return encoded;
    }

    static String typeName(int type) {
        return switch (type) {
            case DnsMessage.TYPE_A -> "A";
            case DnsMessage.TYPE_AAAA -> "AAAA";
            case DnsMessage.TYPE_CNAME -> "CNAME";
            case 15 -> "MX";
            case 16 -> "TXT";
            case 33 -> "SRV";
            case 12 -> "PTR";
            case 65 -> "HTTPS";
            case 255 -> "ANY";
            default -> Integer.toString(type);
        };
    }

    static String rcodeName(int rcode) {
        return switch (rcode) {
            case DnsMessage.NOERROR -> "NOERROR";
            case DnsMessage.FORMERR -> "FORMERR";
            case DnsMessage.SERVFAIL -> "SERVFAIL";
            case DnsMessage.NXDOMAIN -> "NXDOMAIN";
            case DnsMessage.NOTIMP -> "NOTIMP";
            case DnsMessage.REFUSED -> "REFUSED";
            default -> Integer.toString(rcode);
        };
    }
}
