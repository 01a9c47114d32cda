package dev.cellrunner.runner.learn;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.records.DnsQueryRecord;
import dev.cellrunner.runner.records.FlowRecord;
import dev.cellrunner.runner.records.WouldBeDenied;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Egress rules that cover every recorded flow, as few and as narrow as the records allow (pure):
 * <ul>
 *   <li>a flow whose address a DNS answer explains becomes a rule for the name asked (every such
 *   name: the workload may connect through either), never for a CNAME target, which the cell's
 *   responder does not match;</li>
 *   <li>{@code wildcardAfter} or more names strictly below one registrable domain (Public Suffix
 *   List), for the same port and protocol, become {@code *.domain}; the domain itself stays exact;</li>
 *   <li>a flow no answer explains keeps its address, and a warning says so;</li>
 *   <li>exact ports and protocols, never a range.</li>
 * </ul>
 * The rules come sorted by host, port and protocol, so the same records always give the same output.
 */
public final class PolicySuggester {
    public static final int DEFAULT_WILDCARD_AFTER = 3;

    private PolicySuggester() {
    }

    /** The rules, with warnings (what may make them incomplete or literal) and notes, each sorted. */
    public record Suggestion(List<EgressRule> rules, List<String> warnings, List<String> notes) {
        public Suggestion {
            rules = List.copyOf(rules);
            warnings = List.copyOf(warnings);
            notes = List.copyOf(notes);
        }
    }

    private record Destination(String host, int port, Protocol protocol) {
    }

    private record Group(String domain, int port, Protocol protocol) {
    }

    public static Suggestion suggest(ObservedTraffic traffic, int wildcardAfter) {
        if (wildcardAfter < 1) {
            throw new IllegalArgumentException("--wildcard-after must be at least 1, got " + wildcardAfter);
        }
        Set<String> warnings = new TreeSet<>();
        Set<Destination> names = new TreeSet<>(ORDER);
        Set<Destination> literals = new TreeSet<>(ORDER);
        Set<String> connected = new TreeSet<>();
        for (FlowRecord flow : traffic.flows()) {
            Optional<Protocol> protocol = protocol(flow.protocol());
            if (protocol.isEmpty() || flow.port() < 1) {
                continue;
            }
            Set<String> explaining = WouldBeDenied.namesOf(flow, traffic.queries());
            connected.addAll(explaining);
            if (explaining.isEmpty()) {
                literals.add(new Destination(flow.destination(), flow.port(), protocol.get()));
                warnings.add(flow.destination() + " port " + flow.port() + "/" + flow.protocol()
                        + ": no DNS answer explains this address; kept as a literal rule");
            }
            explaining.forEach(name -> names.add(new Destination(name, flow.port(), protocol.get())));
        }
        Set<Destination> rules = new TreeSet<>(ORDER);
        rules.addAll(literals);
        rules.addAll(collapse(names, wildcardAfter));
        for (String run : traffic.truncated()) {
            warnings.add("run " + run + ": its records were cut at the records limit; flows beyond it are not covered");
        }
        return new Suggestion(rules.stream().map(d -> new EgressRule(d.host(), d.port(), d.protocol())).toList(),
                List.copyOf(warnings), notes(traffic.queries(), connected));
    }

    /** Names strictly below one registrable domain, {@code wildcardAfter} or more per port and protocol, as *.domain. */
    private static List<Destination> collapse(Set<Destination> names, int wildcardAfter) {
        Map<Group, List<Destination>> below = new LinkedHashMap<>();
        List<Destination> kept = new ArrayList<>();
        for (Destination name : names) {
            Optional<String> domain = RegistrableDomain.of(name.host());
            if (domain.isEmpty() || domain.get().equals(name.host())) {
                kept.add(name);
            } else {
                below.computeIfAbsent(new Group(domain.get(), name.port(), name.protocol()), g -> new ArrayList<>()).add(name);
            }
        }
        below.forEach((group, members) -> {
            if (members.size() >= wildcardAfter) {
                kept.add(new Destination("*." + group.domain(), group.port(), group.protocol()));
            } else {
                kept.addAll(members);
            }
        });
        return kept;
    }

    /** Names the cell asked for and got addresses, but never connected to: no rule needs them. */
    private static List<String> notes(List<DnsQueryRecord> queries, Set<String> connected) {
        Set<String> notes = new TreeSet<>();
        for (DnsQueryRecord query : queries) {
            if (!query.answers().isEmpty() && !connected.contains(query.name())) {
                notes.add(query.name() + " (" + query.type() + ") was resolved but never connected to; no rule for it");
            }
        }
        return List.copyOf(notes);
    }

    /** The rules as a JSON array, one rule a line, so that two suggestions compare line by line. */
    public static String json(List<EgressRule> rules) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < rules.size(); i++) {
            EgressRule rule = rules.get(i);
            ObjectNode entry = JsonNodeFactory.instance.objectNode().put("host", rule.host()).put("port", rule.port())
                    .put("protocol", rule.protocol().wireName());
            json.append(i == 0 ? "\n  " : ",\n  ").append(entry.toString());
        }
        return json.append(rules.isEmpty() ? "]\n" : "\n]\n").toString();
    }

    private static Optional<Protocol> protocol(String text) {
        return switch (text) {
            case "tcp" -> Optional.of(Protocol.TCP);
            case "udp" -> Optional.of(Protocol.UDP);
            default -> Optional.empty();
        };
    }

    private static final Comparator<Destination> ORDER = Comparator.comparing(Destination::host)
            .thenComparingInt(Destination::port).thenComparing(d -> d.protocol().wireName());
}
