package dev.cellrunner.spec;

/** One declared destination: an IP literal, a CIDR prefix or a hostname, a port and a protocol. */
public record EgressRule(String host, int port, Protocol protocol) {
    public EgressRule {
        protocol = protocol == null ? Protocol.TCP : protocol;
    }
}
