package dev.cellrunner.runner.cli;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.runner.cell.RunnerPolicy;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What every cell of a runner shares: where events go, the key that signs them, and what the operator
 * allows its cells beyond their documents. Taken by {@code run} and {@code serve} alike. The option names are constants because {@link FastArgs} parses them too.
 */
final class RunnerOptions {
    static final String EVENTS = "--events";
    static final String SIGNING_KEY = "--signing-key";
    static final String DNS_UPSTREAM = "--dns-upstream";
    static final String ALLOW_HOST_EGRESS = EgressPinning.ALLOW_OPTION;

    @Option(names = EVENTS, paramLabel = "SINK",
            description = "Where events go: jsonl:PATH, ocsf-jsonl:PATH (OCSF records), http(s)://URL, "
                    + "nats://HOST:PORT/SUBJECT (JetStream), kafka://HOST:PORT/TOPIC (repeatable) or none. Default: "
                    + "${XDG_STATE_HOME:-$HOME/.local/state}/cell-runner/events.jsonl")
    List<String> events = new ArrayList<>();

    @Option(names = SIGNING_KEY, paramLabel = "FILE",
            description = "Ed25519 private key (PEM, from cell-runner keygen) that signs the events. Default: "
                    + "CELLOS_EVENT_SIGNING_KEY_BASE64, else a fresh key for each run whose public half is in `started`.")
    Path signingKey;

    @Option(names = DNS_UPSTREAM, paramLabel = "ADDR[:PORT]",
            description = "The DNS server the runner asks for the names cells declare, at start and for their DNS "
                    + "responders (an IP address; [IPV6]:PORT with a port). Default: the nameservers of the runner's "
                    + "/etc/resolv.conf, and its own resolver (hosts file included) at start.")
    String dnsUpstream;

    @Option(names = ALLOW_HOST_EGRESS,
            description = "Let documents declare destinations on this host: its own addresses, the uplink pools, "
                    + "loopback, link-local, multicast and reserved ranges (and their IPv6 embeddings). Without it "
                    + "such a cell is refused (exit 69), its DNS responder never answers with them, and the "
                    + "host-side filter never forwards there.")
    boolean allowHostEgress;

    @Mixin
    HttpEventOptions http = new HttpEventOptions();

    @Mixin
    BrokerOptions brokers = new BrokerOptions();

    /** What these options allow every cell of the runner. */
    RunnerPolicy policy() {
        return RunnerPolicy.DEFAULT.withAllowHostEgress(allowHostEgress);
    }
}
