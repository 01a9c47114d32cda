package dev.cellrunner.runner.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What every cell of a runner shares: where events go, the key that signs them, and what the operator
 * allows its cells ({@link PolicyOptions}). Taken by {@code run} and {@code serve} alike. The option
 * names are constants because {@link FastArgs} parses them too.
 */
final class RunnerOptions {
    static final String EVENTS = "--events";
    static final String SIGNING_KEY = "--signing-key";
    static final String DNS_UPSTREAM = "--dns-upstream";

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

    @Mixin
    PolicyOptions policy = new PolicyOptions();

    @Mixin
    HttpEventOptions http = new HttpEventOptions();

    @Mixin
    BrokerOptions brokers = new BrokerOptions();
}
