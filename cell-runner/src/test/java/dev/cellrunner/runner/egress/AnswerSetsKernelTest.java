package dev.cellrunner.runner.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.nft.AllowSets;
import dev.cellrunner.nft.CellRuleset;
import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.dns.AnswerGate;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.ScratchNetns;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Answered addresses reach the kernel's answer sets with their timeouts, read back with the nft command. */
class AnswerSetsKernelTest {
    private static final String TABLE = "cellrunner_answers";
    private ScratchNetns scratch;
    private NetfilterNetlink socket;
    private List<PinnedRule> rules;

    @BeforeEach
    void loadARulesetWithAnswerSets() throws Exception {
        scratch = ScratchNetns.create("answer-sets");
        rules = EgressPinning.pin(List.of(new EgressRule("*.example.test", 443, Protocol.TCP),
                new EgressRule("*.example.test", 53, Protocol.UDP)), Map.of());
        String ruleset = CellRuleset.compile(TABLE, AllowSets.of(rules), DnsPolicy.ANSWERED).text();
        socket = scratch.call(() -> {
            try (Nftables.Session nft = Nftables.open()) {
                assertThat(nft.run(ruleset).ok()).isTrue();
            }
            return NetfilterNetlink.open(0, 0);
        });
    }

    @AfterEach
    void close() throws Exception {
        socket.close();
        scratch.close();
    }

    @Test
    void anAnswerJoinsTheSetsOfItsRulesWithItsTimeoutAndAnAnswerAgainSetsANewOne() throws Exception {
        AnswerSets sets = new AnswerSets(TABLE, socket, false);
        InetAddress v4 = InetAddress.getByName("198.51.100.20");
        InetAddress v6 = InetAddress.getByName("2001:db8::20");
        sets.open(List.of(new AnswerGate.Opening(v4, rules.get(0), 30), new AnswerGate.Opening(v4, rules.get(1), 30),
                new AnswerGate.Opening(v6, rules.get(0), 30)));

        assertThat(elements("dns_ip4_tcp")).containsExactly("198.51.100.20 . 443 timeout 30");
        assertThat(elements("dns_ip4_udp")).containsExactly("198.51.100.20 . 53 timeout 30");
        assertThat(elements("dns_ip6_tcp")).containsExactly("2001:db8::20 . 443 timeout 30");

        sets.open(List.of(new AnswerGate.Opening(v4, rules.get(0), 600)));
        assertThat(elements("dns_ip4_tcp")).as("the same element, its timeout renewed").containsExactly(
                "198.51.100.20 . 443 timeout 600");
        assertThat(scratch.outside("nft", "list", "set", "inet", TABLE, "dns_ip4_tcp")).contains("expires 9m5");
    }

    private List<String> elements(String set) throws Exception {
        JsonNode listing = new ObjectMapper().readTree(scratch.outside("nft", "-j", "list", "set", "inet", TABLE, set));
        List<String> elements = new ArrayList<>();
        for (JsonNode item : listing.path("nftables")) {
            for (JsonNode elem : item.path("set").path("elem")) {
                JsonNode value = elem.path("elem");
                elements.add(value.path("val").path("concat").get(0).asText() + " . "
                        + value.path("val").path("concat").get(1).asText() + " timeout " + value.path("timeout").asText());
            }
        }
        return elements;
    }
}
