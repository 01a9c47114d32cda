package dev.cellrunner.runner.dns;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.HostAddresses;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.records.DnsQueryRecord;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The responder's policy against a real upstream on loopback, with the kernel's part (the gate) recorded. */
class CellResponderTest {
    private static final byte[] V4 = {(byte) 198, 51, 100, 10};
    private static final byte[] V4_OTHER = {(byte) 198, 51, 100, 11};
    private FakeUpstream upstream;
    private final List<List<AnswerGate.Opening>> opened = new ArrayList<>();
    private final List<String> order = new ArrayList<>();
    private boolean gateFails;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream();
        upstream.add("api.example.test", DnsMessage.Record.address(DnsMessage.Name.of("api.example.test"), 5, V4));
        upstream.add("a.cdn.test", DnsMessage.Record.address(DnsMessage.Name.of("a.cdn.test"), 7200, V4_OTHER));
        upstream.add("www.cdn.test", DnsMessage.Record.cname(DnsMessage.Name.of("www.cdn.test"), 300,
                DnsMessage.Name.of("edge.provider.test")));
        upstream.add("edge.provider.test", DnsMessage.Record.address(DnsMessage.Name.of("edge.provider.test"), 60, V4));
        upstream.add("secret.example.test", DnsMessage.Record.address(DnsMessage.Name.of("secret.example.test"), 5, V4));
        DnsMessage.Name host = DnsMessage.Name.of("host.cdn.test");
        upstream.add("host.cdn.test", DnsMessage.Record.address(host, 5, new byte[] {127, 0, 0, 1}));
        upstream.add("host.cdn.test", DnsMessage.Record.address(host, 5, V4));
        DnsMessage.Name big = DnsMessage.Name.of("big.cdn.test");
        for (int i = 1; i <= 40; i++) {
            upstream.add("big.cdn.test", DnsMessage.Record.address(big, 60, new byte[] {(byte) 203, 0, 113, (byte) i}));
        }
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    private CellResponder responder(int limit) throws Exception {
        List<PinnedRule> rules = EgressPinning.pin(List.of(new EgressRule("api.example.test", 443, Protocol.TCP),
                new EgressRule("*.cdn.test", 443, Protocol.TCP), new EgressRule("*.cdn.test", 53, Protocol.UDP),
                new EgressRule("198.51.100.0/24", 80, Protocol.TCP)), Map.of("api.example.test",
                List.of(InetAddress.getByAddress(V4))));
        AnswerGate gate = openings -> {
            if (gateFails) {
                throw new IllegalStateException("the kernel said no");
            }
            order.add("opened");
            opened.add(openings);
        };
        return new CellResponder(rules, new NameLookup(upstream.upstream(), Duration.ofSeconds(2)), gate,
                EgressPinning.neverAllowed(HostAddresses.NONE, false), new TtlPolicy(30, 3600), limit, Instant::now);
    }

    private static byte[] query(String name, int type, boolean edns) {
        return new DnsMessage(7, 0x0100, List.of(new DnsMessage.Question(DnsMessage.Name.of(name), type, DnsMessage.CLASS_IN)),
                List.of(), List.of(), edns ? List.of(DnsMessage.opt(1232, 0, new byte[0])) : List.of()).encode();
    }

    private static DnsMessage ask(CellResponder responder, String name, int type, boolean overUdp) {
        byte[] q = query(name, type, false);
        byte[] answer = responder.answer(q, q.length, overUdp);
        return DnsMessage.parse(answer, answer.length);
    }

    @Test
    void anUndeclaredNameIsAnsweredHereAndNeverSentUpstream() throws Exception {
        CellResponder responder = responder(10);
        byte[] q = query("secret.example.test", DnsMessage.TYPE_A, true);
        byte[] bytes = responder.answer(q, q.length, true);
        DnsMessage answer = DnsMessage.parse(bytes, bytes.length);

        assertThat(answer.rcode()).isEqualTo(DnsMessage.NXDOMAIN);
        assertThat(answer.opt()).isPresent();
        assertThat(new String(answer.opt().get().data(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .as("an Extended DNS Error says why").contains("not declared");
        assertThat(upstream.asked).isEmpty();
        DnsQueryRecord record = responder.queries().entries().get(0);
        assertThat(record.verdict()).isEqualTo(DnsQueryRecord.Verdict.DENIED);
        assertThat(record.reason()).isEqualTo("undeclared");
    }

    @Test
    void inAuditModeEveryNameIsForwardedNothingIsOpenedAndTheHostIsStillWithheld() throws Exception {
        List<PinnedRule> rules = EgressPinning.pin(List.of(new EgressRule("api.example.test", 443, Protocol.TCP)),
                Map.of("api.example.test", List.of(InetAddress.getByAddress(V4))));
        CellResponder responder = CellResponder.forwardingAll(rules, new NameLookup(upstream.upstream(),
                Duration.ofSeconds(2)), EgressPinning.neverAllowed(HostAddresses.NONE, false), new TtlPolicy(30, 3600),
                10, Instant::now);

        DnsMessage undeclared = ask(responder, "secret.example.test", DnsMessage.TYPE_A, true);
        DnsMessage host = ask(responder, "host.cdn.test", DnsMessage.TYPE_A, true);
        ask(responder, "api.example.test", DnsMessage.TYPE_A, true);

        assertThat(undeclared.rcode()).isZero();
        assertThat(undeclared.answers()).hasSize(1);
        assertThat(host.answers()).as("127.0.0.1 withheld even in audit mode").hasSize(1);
        assertThat(upstream.asked).contains("secret.example.test 1", "host.cdn.test 1");
        assertThat(responder.queries().entries()).extracting(DnsQueryRecord::name, DnsQueryRecord::verdict,
                DnsQueryRecord::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("secret.example.test", DnsQueryRecord.Verdict.ALLOWED,
                        "forwarded (audit): no rule names it"),
                org.assertj.core.groups.Tuple.tuple("host.cdn.test", DnsQueryRecord.Verdict.ALLOWED,
                        "forwarded (audit): no rule names it"),
                org.assertj.core.groups.Tuple.tuple("api.example.test", DnsQueryRecord.Verdict.ALLOWED,
                        "forwarded (audit): declared"));
        assertThat(responder.queries().entries().get(1).refused()).hasSize(1);
        assertThat(responder.nameAnswering(InetAddress.getByAddress(V4))).hasValue("secret.example.test");
    }

    @Test
    void aDeclaredNameOpensItsAddressesForTheMatchingRulesBeforeTheAnswerLeaves() throws Exception {
        CellResponder responder = responder(10);
        DnsMessage answer = ask(responder, "A.CDN.test.", DnsMessage.TYPE_A, true);

        assertThat(answer.rcode()).isZero();
        assertThat(answer.answers()).hasSize(1);
        assertThat(answer.answers().get(0).ttl()).as("the TTL given is cut to the maximum").isEqualTo(3600);
        assertThat(opened).hasSize(1);
        assertThat(opened.get(0)).extracting(o -> o.rule().declared().port() + "/" + o.rule().declared().protocol()
                + " " + o.seconds()).containsExactlyInAnyOrder("443/TCP 3600", "53/UDP 3600");
        assertThat(responder.admission(new CellResponder.Opened(InetAddress.getByAddress(V4_OTHER), 443, Protocol.TCP)))
                .hasValueSatisfying(a -> assertThat(a.name()).isEqualTo("a.cdn.test"));
    }

    @Test
    void aShortTtlOpensForTheMinimumAndRepeatsComeFromTheCacheWithoutTheKernel() throws Exception {
        CellResponder responder = responder(10);
        DnsMessage first = ask(responder, "api.example.test", DnsMessage.TYPE_A, true);
        DnsMessage second = ask(responder, "api.example.test", DnsMessage.TYPE_A, true);

        assertThat(first.answers().get(0).ttl()).isEqualTo(5);
        assertThat(opened.get(0).get(0).seconds()).isEqualTo(30);
        assertThat(second.answers()).hasSize(1);
        assertThat(upstream.asked).containsExactly("api.example.test 1");
        assertThat(opened).as("the element is open long enough: no second kernel request").hasSize(1);
        assertThat(responder.queries().entries().get(0).count()).isEqualTo(2);
    }

    @Test
    void aCnameChainIsFollowedAndAnsweredWhole() throws Exception {
        DnsMessage answer = ask(responder(10), "www.cdn.test", DnsMessage.TYPE_A, true);

        assertThat(answer.answers()).extracting(DnsMessage.Record::type).containsExactly(DnsMessage.TYPE_CNAME,
                DnsMessage.TYPE_A);
        assertThat(answer.answers().get(1).name().text()).isEqualTo("edge.provider.test");
        assertThat(opened.get(0)).extracting(o -> o.address().getHostAddress()).containsOnly("198.51.100.10");
    }

    @Test
    void addressesThatMustNeverBeReachedAreWithheldAndRecorded() throws Exception {
        CellResponder responder = responder(10);
        DnsMessage answer = ask(responder, "host.cdn.test", DnsMessage.TYPE_A, true);

        assertThat(answer.answers()).extracting(r -> r.data()[0] & 0xff).containsExactly(198);
        assertThat(opened.get(0)).extracting(o -> o.address().getHostAddress()).doesNotContain("127.0.0.1");
        DnsQueryRecord record = responder.queries().entries().get(0);
        assertThat(record.refused()).extracting(DnsQueryRecord.Refused::address).containsExactly("127.0.0.1");
        assertThat(record.refused().get(0).reason()).contains("127.0.0.0/8");
    }

    @Test
    void otherTypesAreAnsweredEmptyWithoutAskingUpstream() throws Exception {
        DnsMessage answer = ask(responder(10), "api.example.test", 16, true);

        assertThat(answer.rcode()).isZero();
        assertThat(answer.answers()).isEmpty();
        assertThat(upstream.asked).isEmpty();
    }

    @Test
    void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws Exception {
        CellResponder responder = responder(10);
        DnsMessage udp = ask(responder, "big.cdn.test", DnsMessage.TYPE_A, true);
        DnsMessage tcp = ask(responder, "big.cdn.test", DnsMessage.TYPE_A, false);

        assertThat(udp.truncated()).isTrue();
        assertThat(udp.answers()).isEmpty();
        assertThat(tcp.truncated()).isFalse();
        assertThat(tcp.answers()).hasSize(40);
        assertThat(upstream.asked).as("upstream truncated over UDP, the responder asked again over TCP; then its cache")
                .containsExactly("big.cdn.test 1", "big.cdn.test 1");
    }

    @Test
    void whenTheKernelRefusesTheAddressesTheCellGetsNone() throws Exception {
        CellResponder responder = responder(10);
        gateFails = true;
        DnsMessage answer = ask(responder, "a.cdn.test", DnsMessage.TYPE_A, true);

        assertThat(answer.rcode()).isEqualTo(DnsMessage.SERVFAIL);
        assertThat(answer.answers()).isEmpty();
        assertThat(responder.queries().entries().get(0).reason()).contains("cannot open the way");
    }

    @Test
    void malformedAndUnsupportedQueriesGetTheirErrorAndNothingElse() throws Exception {
        CellResponder responder = responder(10);
        byte[] garbage = {1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 'x'};
        DnsMessage formerr = DnsMessage.parse(responder.answer(garbage, garbage.length, true), 12);
        assertThat(formerr.rcode()).isEqualTo(DnsMessage.FORMERR);
        assertThat(formerr.id()).isEqualTo(0x0102);

        byte[] badVersion = new DnsMessage(9, 0, List.of(new DnsMessage.Question(DnsMessage.Name.of("api.example.test"),
                DnsMessage.TYPE_A, DnsMessage.CLASS_IN)), List.of(), List.of(),
                List.of(new DnsMessage.Record(DnsMessage.Name.of(""), DnsMessage.TYPE_OPT, 1232, 1L << 16, new byte[0],
                        null))).encode();
        byte[] answer = responder.answer(badVersion, badVersion.length, true);
        assertThat(DnsMessage.parse(answer, answer.length).rcode()).isEqualTo(DnsMessage.BADVERS);
        assertThat(responder.answer(answer, answer.length, true)).as("a response is never answered").isNull();
        assertThat(upstream.asked).isEmpty();
    }

    @Test
    void recordsAreBoundedWithTotals() throws Exception {
        CellResponder responder = responder(2);
        for (String name : List.of("one.test", "two.test", "three.test", "four.test")) {
            ask(responder, name, DnsMessage.TYPE_A, true);
        }
        assertThat(responder.queries().entries()).hasSize(2);
        assertThat(responder.queries().totals().events()).isEqualTo(4);
        assertThat(responder.queries().totals().dropped()).isEqualTo(2);
        assertThat(responder.queries().totals().truncated()).isTrue();
    }

    @Test
    void anExactNameUpstreamDoesNotKnowIsAnsweredWithItsPinnedAddresses() throws Exception {
        upstream.records.remove("api.example.test");
        CellResponder responder = responder(10);
        DnsMessage answer = ask(responder, "api.example.test", DnsMessage.TYPE_A, true);

        assertThat(answer.rcode()).isZero();
        assertThat(answer.answers()).extracting(DnsMessage.Record::data).containsExactly(V4);
        assertThat(Optional.of(answer.answers().get(0).ttl())).contains(30L);
    }
}
