package dev.cellrunner.runner.learn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.runner.records.DnsQueryRecord;
import dev.cellrunner.runner.records.FlowRecord;
import dev.cellrunner.runner.records.LandlockDenialRecord;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What verified runs recorded of their network use, read back from their {@code network_enforcement}
 * events: flows and DNS queries as the runner wrote them, and whether a list was truncated (a
 * suggestion from it may then miss something).
 *
 * @param truncated the runs whose flows or queries were cut at the records limit ("run-id")
 * @param landlock  landlock denials the kernel's audit records told ({@code completed.landlockDenials})
 */
public record ObservedTraffic(List<FlowRecord> flows, List<DnsQueryRecord> queries, List<String> truncated,
                              List<LandlockDenialRecord> landlock) {
    public static final ObservedTraffic NONE = new ObservedTraffic(List.of(), List.of(), List.of(), List.of());

    public ObservedTraffic {
        flows = List.copyOf(flows);
        queries = List.copyOf(queries);
        truncated = List.copyOf(truncated);
        landlock = List.copyOf(landlock);
    }

    public ObservedTraffic(List<FlowRecord> flows, List<DnsQueryRecord> queries, List<String> truncated) {
        this(flows, queries, truncated, List.of());
    }

    /** The landlock denials of one {@code completed} event's {@code data}. */
    public static ObservedTraffic ofCompleted(JsonNode data) {
        List<LandlockDenialRecord> denials = new ArrayList<>();
        for (JsonNode entry : data.path("landlockDenials").path("entries")) {
            denials.add(new LandlockDenialRecord(strings(entry.path("access")),
                    entry.hasNonNull("path") ? entry.path("path").asText() : null,
                    entry.hasNonNull("destination") ? entry.path("destination").asText() : null,
                    entry.path("port").asInt(), entry.path("count").asLong(), time(entry.path("firstTime")),
                    time(entry.path("lastTime"))));
        }
        return new ObservedTraffic(List.of(), List.of(), List.of(), denials);
    }

    /** The records of one {@code network_enforcement} event's {@code data} of run {@code runId}. */
    public static ObservedTraffic of(String runId, JsonNode data) {
        List<FlowRecord> flows = new ArrayList<>();
        for (JsonNode flow : data.path("flows")) {
            flows.add(new FlowRecord(flow.path("destination").asText(), flow.path("port").asInt(),
                    flow.path("protocol").asText(), strings(flow.path("rules")),
                    flow.hasNonNull("name") ? flow.path("name").asText() : null, flow.path("connections").asLong(),
                    flow.path("packetsOut").asLong(), flow.path("bytesOut").asLong(), flow.path("packetsIn").asLong(),
                    flow.path("bytesIn").asLong(), time(flow.path("firstTime")), time(flow.path("lastTime"))));
        }
        List<DnsQueryRecord> queries = new ArrayList<>();
        for (JsonNode query : data.path("dnsQueries")) {
            List<DnsQueryRecord.Answer> answers = new ArrayList<>();
            for (JsonNode answer : query.path("answers")) {
                answers.add(new DnsQueryRecord.Answer(answer.path("address").asText(), answer.path("ttl").asLong(),
                        answer.path("openSeconds").asLong()));
            }
            DnsQueryRecord.Verdict verdict = "denied".equals(query.path("verdict").asText())
                    ? DnsQueryRecord.Verdict.DENIED : DnsQueryRecord.Verdict.ALLOWED;
            queries.add(new DnsQueryRecord(query.path("name").asText(), query.path("type").asText(), verdict,
                    query.path("reason").asText(), strings(query.path("rules")), query.path("rcode").asText(), answers,
                    strings(query.path("cnames")), List.of(), query.path("count").asLong(),
                    time(query.path("firstTime")), time(query.path("lastTime"))));
        }
        JsonNode totals = data.path("networkRecords");
        boolean cut = totals.path("flows").path("truncated").asBoolean(false)
                || totals.path("dnsQueries").path("truncated").asBoolean(false);
        return new ObservedTraffic(flows, queries, cut ? List.of(runId) : List.of());
    }

    /** Both runs' records together. */
    public ObservedTraffic plus(ObservedTraffic other) {
        List<FlowRecord> allFlows = new ArrayList<>(flows);
        allFlows.addAll(other.flows);
        List<DnsQueryRecord> allQueries = new ArrayList<>(queries);
        allQueries.addAll(other.queries);
        List<String> cut = new ArrayList<>(truncated);
        cut.addAll(other.truncated);
        List<LandlockDenialRecord> denials = new ArrayList<>(landlock);
        denials.addAll(other.landlock);
        return new ObservedTraffic(allFlows, allQueries, cut, denials);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static Instant time(JsonNode text) {
        try {
            return text.isTextual() ? Instant.parse(text.asText()) : Instant.EPOCH;
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
