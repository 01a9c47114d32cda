import dev.cellrunner.nft.AllowSets;
import dev.cellrunner.nft.CellRuleset;
import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.dns.AnswerGate;
import dev.cellrunner.runner.egress.AnswerSets;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What adding one answered address to a cell's answer set costs, one element at a time as the
 * responder adds them: as a libnftables command ("add element ... timeout 30s") and as the raw
 * NEWSETELEM transaction the runner sends. In a fresh network namespace of this thread's own; prints
 * medians and 99th percentiles in microseconds, never asserts. Usage (root):
 * java -cp cell-runner/target/cell-runner.jar bench/AnswerSetCost.java [ELEMENTS]
 */
public final class AnswerSetCost {
    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        NetworkNamespace.enterNew();
        NetworkNamespace.bringLoopbackUp();
        List<PinnedRule> rules = EgressPinning.pin(List.of(new EgressRule("*.bench.test", 443, Protocol.TCP)), Map.of());
        String table = "cellrunner_cost";
        try (Nftables.Session nft = Nftables.open()) {
            if (!nft.run(CellRuleset.compile(table, AllowSets.of(rules), DnsPolicy.ANSWERED).text()).ok()) {
                throw new IllegalStateException("the ruleset did not load");
            }
            List<Double> library = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String element = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + " . 443 timeout 30s";
                long start = System.nanoTime();
                Nftables.Result result = nft.run("add element inet " + table + " dns_ip4_tcp { " + element + " }");
                library.add((System.nanoTime() - start) / 1e3);
                if (!result.ok()) {
                    throw new IllegalStateException(result.error());
                }
            }
            report("libnftables add element", library);
        }
        try (NetfilterNetlink socket = NetfilterNetlink.open(0, 0)) {
            AnswerSets sets = new AnswerSets(table, socket, false);
            List<Double> raw = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                InetAddress address = InetAddress.getByAddress(new byte[] {11, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
                long start = System.nanoTime();
                sets.open(List.of(new AnswerGate.Opening(address, rules.get(0), 30)));
                raw.add((System.nanoTime() - start) / 1e3);
            }
            report("raw NEWSETELEM transaction", raw);
        }
    }

    private static void report(String what, List<Double> micros) {
        List<Double> sorted = new ArrayList<>(micros.subList(micros.size() / 4, micros.size())); // warm part
        Collections.sort(sorted);
        System.out.printf("%-28s median %7.1f us, p99 %7.1f us (%d elements, the first quarter left out as warm-up)%n",
                what, sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.99)), micros.size());
    }
}
