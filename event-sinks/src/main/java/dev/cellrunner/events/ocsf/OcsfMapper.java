package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Digests;
import dev.cellrunner.events.Dsse;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.ExtensionNames;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps one signed cell-runner CloudEvent (its structured JSON) to OCSF records, by event type and field
 * names only: {@code started}/{@code completed}/{@code destroyed} to Process Activity (1007), the policy and
 * confinement events to Device Config State Change (5019), each rule counter with traffic to Network
 * Activity (4001). Every record carries the run id as {@code metadata.correlation_uid}, the cell id as
 * {@code actor.process.sandbox}, and a reference to the signed event (id, chain position, key id, digest of
 * the signed payload) in {@code unmapped.cloudevent}; data fields without an OCSF attribute go to
 * {@code unmapped.data}. docs/ocsf.md lists every field.
 */
public final class OcsfMapper {
    /** The OCSF schema version every record names in {@code metadata.version}. */
    public static final String SCHEMA_VERSION = "1.8.0";
    static final String PRODUCT = "cell-runner";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int INFORMATIONAL = 1;
    private static final int LOW = 2;
    private static final int MEDIUM = 3;
    private static final int SUCCESS = 1;
    private static final int FAILURE = 2;

    private OcsfMapper() {
    }

    /** The OCSF records of one event, the primary one first; throws when the event lacks what every record needs. */
    public static List<ObjectNode> map(JsonNode event) {
        Source source = Source.of(event);
        Fields data = new Fields(event.path("data"));
        data.take("cellId");
        data.take("runId");
        List<ObjectNode> records = new ArrayList<>();
        switch (source.type) {
            case EventTypes.STARTED -> records.add(started(source, data));
            case EventTypes.COMMAND_COMPLETED -> records.add(completed(source, data));
            case EventTypes.DESTROYED -> records.add(destroyed(source, data));
            case EventTypes.NETWORK_POLICY, EventTypes.CONFINEMENT -> records.add(controlState(source, data));
            case EventTypes.NETWORK_ENFORCEMENT -> {
                records.add(controlState(source, data));
                records.addAll(networkRecords(source, data));
            }
            default -> records.add(other(source));
        }
        records.get(0).with("unmapped").set("data", data.rest());
        return records;
    }

    private static ObjectNode started(Source source, Fields data) {
        ObjectNode record = base(source, OcsfClass.PROCESS_ACTIVITY, 1, "Launch", INFORMATIONAL, 0);
        ObjectNode process = cellProcess(source);
        JsonNode argv = data.take("argv");
        if (argv != null && argv.isArray() && !argv.isEmpty()) {
            List<String> args = new ArrayList<>();
            argv.forEach(a -> args.add(a.asText()));
            process.put("cmd_line", commandLine(args));
            String executable = args.get(0);
            String name = executable.substring(executable.lastIndexOf('/') + 1);
            if (!name.isEmpty()) {
                process.put("name", name);
                ObjectNode file = process.putObject("file");
                file.put("name", name);
                file.put("path", executable);
                file.put("type_id", 1);
                file.put("type", "Regular File");
            }
        }
        JsonNode workingDirectory = data.take("workingDirectory");
        if (workingDirectory != null && workingDirectory.isTextual()) {
            process.put("working_directory", workingDirectory.textValue());
        }
        process.put("created_time", source.epochMillis);
        record.set("process", process);
        return record;
    }

    private static ObjectNode completed(Source source, Fields data) {
        JsonNode exitCode = data.take("exitCode");
        JsonNode signal = data.take("signal");
        JsonNode timedOut = data.take("timedOut");
        JsonNode spawnError = data.take("spawnError");
        JsonNode duration = data.take("durationMs");
        String failure = null;
        if (spawnError != null && spawnError.isTextual()) {
            failure = "the command could not be started: " + spawnError.textValue();
        } else if (timedOut != null && timedOut.asBoolean(false)) {
            failure = "timed out: the cell's lifetime or timeout ended the command";
        } else if (signal != null && signal.isIntegralNumber()) {
            failure = "killed by signal " + signal.intValue();
        } else if (exitCode != null && exitCode.asInt(0) != 0) {
            failure = "exit status " + exitCode.asInt();
        }
        ObjectNode record = base(source, OcsfClass.PROCESS_ACTIVITY, 2, "Terminate",
                failure == null ? INFORMATIONAL : LOW, 0);
        status(record, failure == null, failure);
        if (exitCode != null && exitCode.isIntegralNumber()) {
            record.put("exit_code", exitCode.intValue());
            record.put("status_code", exitCode.asText());
        }
        if (duration != null && duration.isIntegralNumber()) {
            record.put("duration", duration.longValue());
        }
        ObjectNode process = cellProcess(source);
        process.put("terminated_time", source.epochMillis);
        record.set("process", process);
        return record;
    }

    private static ObjectNode destroyed(Source source, Fields data) {
        String outcome = data.take("outcome") == null ? "unknown" : data.peek("outcome").asText();
        JsonNode reason = data.take("reason");
        boolean ok = "succeeded".equals(outcome);
        ObjectNode record = base(source, OcsfClass.PROCESS_ACTIVITY, 99, "Destroy",
                "refused".equals(outcome) ? MEDIUM : ok ? INFORMATIONAL : LOW, 0);
        status(record, ok, ok ? null : outcome + (reason != null && reason.isTextual() ? ": " + reason.textValue() : ""));
        record.put("status_code", outcome);
        record.set("process", cellProcess(source));
        return record;
    }

    /** network_policy, confinement, network_enforcement: the state of the cell's controls. */
    private static ObjectNode controlState(Source source, Fields data) {
        JsonNode refused = data.take("refused");
        boolean enforced = refused == null && enforced(source.type, data);
        String detail = null;
        if (refused != null) {
            detail = "refused: " + refused.path("control").asText("a control") + ": " + refused.path("reason").asText("");
        } else if (!enforced) {
            detail = "not every control was enforced as requested";
        }
        ObjectNode record = base(source, OcsfClass.DEVICE_CONFIG_STATE_CHANGE, 1, "Log",
                enforced ? INFORMATIONAL : MEDIUM, 0);
        status(record, enforced, detail);
        record.put("state_id", enforced ? 2 : 1);
        record.put("state", enforced ? "Enabled" : "Disabled");
        return record;
    }

    /** Whether the event reports its controls in place; read, never consumed: the fields stay in unmapped. */
    private static boolean enforced(String type, Fields data) {
        return switch (type) {
            case EventTypes.NETWORK_POLICY -> data.peek("namespace") == null
                    || data.peek("namespace").path("enforced").asBoolean(true);
            case EventTypes.CONFINEMENT -> data.peek("enforced") == null || data.peek("enforced").asBoolean(true);
            default -> data.peek("nftRulesApplied") == null || data.peek("nftRulesApplied").asBoolean(true)
                    && (data.peek("rulesetUnchanged") == null || data.peek("rulesetUnchanged").asBoolean(true));
        };
    }

    /**
     * The cell's recorded traffic: each flow and denied connection, each DNS query; a runner that records no
     * flows (a cell without an uplink, or an older runner) gives its rule counters instead.
     */
    private static List<ObjectNode> networkRecords(Source source, Fields data) {
        List<ObjectNode> records = new ArrayList<>();
        JsonNode flows = data.peek("flows");
        JsonNode denied = data.peek("deniedConnections");
        JsonNode queries = data.peek("dnsQueries");
        if (flows == null && denied == null) {
            records.addAll(ruleTraffic(source, data.peek("ruleCounters")));
        }
        if (flows != null) {
            for (JsonNode flow : flows) {
                records.add(flow(source, flow, records.size() + 1));
            }
        }
        if (denied != null) {
            for (JsonNode connection : denied) {
                records.add(deniedConnection(source, connection, records.size() + 1));
            }
        }
        if (queries != null) {
            for (JsonNode query : queries) {
                records.add(dnsQuery(source, query, records.size() + 1));
            }
        }
        return records;
    }

    /** An allowed flow: Network Activity "Traffic", both directions counted. */
    private static ObjectNode flow(Source source, JsonNode flow, int index) {
        ObjectNode record = base(source, OcsfClass.NETWORK_ACTIVITY, 6, "Traffic", INFORMATIONAL, index);
        disposition(record, true);
        firewallRule(record, String.join(",", texts(flow.path("rules"))), "accept");
        record.set("src_endpoint", cellEndpoint(source));
        ObjectNode destination = endpoint(flow.path("destination").asText(), port(flow));
        if (flow.hasNonNull("name")) {
            destination.put("hostname", flow.get("name").asText());
        }
        record.set("dst_endpoint", destination);
        record.set("connection_info", connection(flow.path("protocol").asText(null)));
        ObjectNode traffic = record.putObject("traffic");
        long packetsOut = flow.path("packetsOut").asLong();
        long packetsIn = flow.path("packetsIn").asLong();
        long bytesOut = flow.path("bytesOut").asLong();
        long bytesIn = flow.path("bytesIn").asLong();
        traffic.put("packets", packetsOut + packetsIn).put("packets_out", packetsOut).put("packets_in", packetsIn);
        traffic.put("bytes", bytesOut + bytesIn).put("bytes_out", bytesOut).put("bytes_in", bytesIn);
        if (flow.has("connections")) {
            record.put("count", flow.get("connections").asInt());
        }
        period(record, flow);
        return record;
    }

    /** A connection the cell's ruleset rejected: Network Activity "Refuse", blocked. */
    private static ObjectNode deniedConnection(Source source, JsonNode connection, int index) {
        ObjectNode record = base(source, OcsfClass.NETWORK_ACTIVITY, 5, "Refuse", LOW, index);
        disposition(record, false);
        firewallRule(record, connection.path("rule").asText("unnamed"), "reject");
        if (connection.hasNonNull("layer")) {
            ((ObjectNode) record.get("firewall_rule")).put("category", connection.path("layer").asText());
        }
        record.set("src_endpoint", cellEndpoint(source));
        record.set("dst_endpoint", endpoint(connection.path("destination").asText(), port(connection)));
        record.set("connection_info", connection(connection.path("protocol").asText(null)));
        long packets = connection.path("packets").asLong();
        if (packets > 0) {
            record.putObject("traffic").put("packets", packets).put("packets_out", packets);
        }
        long count = connection.has("attempts") ? connection.path("attempts").asLong() : packets; // landlock: no packet
        record.put("count", (int) Math.min(Integer.MAX_VALUE, count));
        period(record, connection);
        return record;
    }

    /** A name asked of the cell's DNS responder: DNS Activity "Response", allowed or blocked. */
    private static ObjectNode dnsQuery(Source source, JsonNode query, int index) {
        boolean allowed = "allowed".equals(query.path("verdict").asText());
        ObjectNode record = base(source, OcsfClass.DNS_ACTIVITY, 2, "Response", allowed ? INFORMATIONAL : LOW, index);
        disposition(record, allowed);
        record.set("src_endpoint", cellEndpoint(source));
        ObjectNode asked = record.putObject("query");
        asked.put("hostname", query.path("name").asText());
        asked.put("type", query.path("type").asText());
        asked.put("class", "IN");
        ArrayNode answers = record.putArray("answers");
        for (JsonNode answer : query.path("answers")) {
            ObjectNode a = answers.addObject();
            a.put("rdata", answer.path("address").asText());
            a.put("ttl", answer.path("ttl").asInt());
            a.put("type", answer.path("address").asText().contains(":") ? "AAAA" : "A");
            a.put("class", "IN");
        }
        String rcode = query.path("rcode").asText("");
        int rcodeId = switch (rcode.toUpperCase(java.util.Locale.ROOT)) {
            case "NOERROR" -> 0;
            case "FORMERR" -> 1;
            case "SERVFAIL" -> 2;
            case "NXDOMAIN" -> 3;
            case "NOTIMP" -> 4;
            case "REFUSED" -> 5;
            default -> 99;
        };
        record.put("rcode_id", rcodeId);
        record.put("rcode", rcodeId == 99 ? rcode : switch (rcodeId) {
            case 0 -> "NoError";
            case 1 -> "FormError";
            case 2 -> "ServError";
            case 3 -> "NXDomain";
            case 4 -> "NotImp";
            default -> "Refused";
        });
        if (query.hasNonNull("reason")) {
            record.put("status_detail", query.get("reason").asText());
        }
        if (query.has("rules") && query.get("rules").size() > 0) {
            firewallRule(record, String.join(",", texts(query.get("rules"))), allowed ? "accept" : "reject");
        }
        if (query.has("count")) {
            record.put("count", query.get("count").asInt());
        }
        period(record, query);
        return record;
    }

    private static void firewallRule(ObjectNode record, String name, String type) {
        ObjectNode rule = record.putObject("firewall_rule");
        rule.put("name", name.isEmpty() ? "unnamed" : name);
        rule.put("uid", name.isEmpty() ? "unnamed" : name);
        rule.put("type", type);
    }

    private static Integer port(JsonNode entry) {
        return entry.has("port") && entry.get("port").canConvertToInt() ? entry.get("port").asInt() : null;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** firstTime and lastTime (RFC 3339) as start_time and end_time. */
    private static void period(ObjectNode record, JsonNode entry) {
        for (String[] pair : new String[][] {{"firstTime", "start_time"}, {"lastTime", "end_time"}}) {
            if (entry.path(pair[0]).isTextual()) {
                try {
                    record.put(pair[1], OffsetDateTime.parse(entry.get(pair[0]).asText()).toInstant().toEpochMilli());
                } catch (DateTimeParseException ignored) {
                    // a time that is not RFC 3339 stays in unmapped with the rest of the event
                }
            }
        }
    }

    /** One Network Activity "Traffic" record per rule counter that saw packets. */
    private static List<ObjectNode> ruleTraffic(Source source, JsonNode counters) {
        List<ObjectNode> records = new ArrayList<>();
        if (counters == null || !counters.isArray()) {
            return records;
        }
        for (JsonNode counter : counters) {
            long packets = counter.path("packets").asLong(0);
            if (packets <= 0) {
                continue;
            }
            boolean allowed = "accept".equals(counter.path("verdict").asText());
            ObjectNode record = base(source, OcsfClass.NETWORK_ACTIVITY, 6, "Traffic",
                    allowed ? INFORMATIONAL : LOW, records.size() + 1);
            disposition(record, allowed);
            ObjectNode rule = record.putObject("firewall_rule");
            String name = counter.path("rule").asText("unnamed");
            rule.put("name", name);
            rule.put("uid", name);
            if (counter.hasNonNull("verdict")) {
                rule.put("type", counter.get("verdict").asText());
            }
            record.set("src_endpoint", cellEndpoint(source));
            String protocol = counter.path("protocol").asText(null);
            if (counter.hasNonNull("host")) {
                record.set("dst_endpoint", endpoint(counter.get("host").asText(),
                        counter.hasNonNull("port") ? counter.get("port").asInt() : null));
            }
            record.set("connection_info", connection(protocol));
            ObjectNode traffic = record.putObject("traffic");
            traffic.put("packets", packets);
            traffic.put("packets_out", packets);
            if (counter.has("bytes")) {
                traffic.put("bytes", counter.path("bytes").asLong());
                traffic.put("bytes_out", counter.path("bytes").asLong());
            }
            records.add(record);
        }
        return records;
    }

    private static ObjectNode other(Source source) {
        int slash = source.type.lastIndexOf('.');
        return base(source, OcsfClass.BASE_EVENT, 99, source.type.substring(slash + 1), INFORMATIONAL, 0);
    }

    private static ObjectNode base(Source source, OcsfClass cls, int activityId, String activityName, int severityId,
                                   int index) {
        ObjectNode record = JSON.objectNode();
        record.put("class_uid", cls.uid);
        record.put("class_name", cls.caption);
        record.put("category_uid", cls.categoryUid);
        record.put("category_name", cls.categoryCaption);
        record.put("activity_id", activityId);
        record.put("activity_name", activityName);
        record.put("type_uid", cls.uid * 100L + activityId);
        record.put("type_name", cls.caption + ": " + activityName);
        record.put("severity_id", severityId);
        record.put("severity", switch (severityId) {
            case INFORMATIONAL -> "Informational";
            case LOW -> "Low";
            default -> "Medium";
        });
        record.put("time", source.epochMillis);
        ObjectNode metadata = record.putObject("metadata");
        metadata.put("version", SCHEMA_VERSION);
        ObjectNode product = metadata.putObject("product");
        product.put("name", PRODUCT);
        product.put("vendor_name", PRODUCT);
        metadata.put("uid", index == 0 ? source.id : source.id + "/" + index);
        metadata.put("original_event_uid", source.id);
        metadata.put("correlation_uid", source.runId);
        metadata.put("event_code", source.type);
        metadata.put("original_time", source.time);
        metadata.put("log_name", source.source);
        if (source.seq != null) {
            metadata.put("sequence", source.seq);
        }
        ArrayNode profiles = metadata.putArray("profiles");
        profiles.add("host");
        if (cls == OcsfClass.NETWORK_ACTIVITY || cls == OcsfClass.DNS_ACTIVITY) {
            // action, disposition and firewall_rule are attributes of the security_control profile
            profiles.add("security_control");
        }
        ObjectNode actor = record.putObject("actor");
        ObjectNode runner = actor.putObject("process");
        runner.put("name", PRODUCT);
        runner.put("uid", source.runId);
        runner.put("sandbox", source.cellId);
        ObjectNode device = record.putObject("device");
        device.put("hostname", source.host);
        device.put("type_id", 0);
        device.put("type", "Unknown");
        record.putObject("unmapped").set("cloudevent", source.reference());
        return record;
    }

    /** The cell's command as a process; its uid is the run id with ":command", apart from the runner's. */
    private static ObjectNode cellProcess(Source source) {
        ObjectNode process = JSON.objectNode();
        process.put("uid", source.runId + ":command");
        process.put("sandbox", source.cellId);
        return process;
    }

    private static ObjectNode cellEndpoint(Source source) {
        ObjectNode endpoint = JSON.objectNode();
        endpoint.put("name", source.cellId);
        endpoint.put("uid", source.runId);
        return endpoint;
    }

    /** An address literal goes to {@code ip}, a CIDR to {@code name} (OCSF endpoints have no subnet), a name to {@code hostname}. */
    static ObjectNode endpoint(String host, Integer port) {
        ObjectNode endpoint = JSON.objectNode();
        if (host.contains("/")) {
            endpoint.put("name", host);
        } else if (host.contains(":") || host.matches("[0-9.]+")) {
            endpoint.put("ip", host);
        } else {
            endpoint.put("hostname", host);
        }
        if (port != null) {
            endpoint.put("port", port);
        }
        return endpoint;
    }

    static ObjectNode connection(String protocol) {
        ObjectNode connection = JSON.objectNode();
        connection.put("direction_id", 2);
        connection.put("direction", "Outbound");
        if (protocol != null) {
            connection.put("protocol_name", protocol);
            Integer number = switch (protocol) {
                case "tcp" -> 6;
                case "udp" -> 17;
                case "icmp" -> 1;
                case "icmpv6" -> 58;
                default -> null;
            };
            if (number != null) {
                connection.put("protocol_num", number);
            }
        }
        return connection;
    }

    static void disposition(ObjectNode record, boolean allowed) {
        record.put("action_id", allowed ? 1 : 2);
        record.put("action", allowed ? "Allowed" : "Denied");
        record.put("disposition_id", allowed ? 1 : 2);
        record.put("disposition", allowed ? "Allowed" : "Blocked");
    }

    private static void status(ObjectNode record, boolean success, String detail) {
        record.put("status_id", success ? SUCCESS : FAILURE);
        record.put("status", success ? "Success" : "Failure");
        if (detail != null) {
            record.put("status_detail", detail);
        }
    }

    /** argv as one line a POSIX shell would split back into the same words. */
    static String commandLine(List<String> argv) {
        StringBuilder line = new StringBuilder();
        for (String arg : argv) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(!arg.isEmpty() && arg.matches("[A-Za-z0-9_@%+=:,./-]+") ? arg
                    : "'" + arg.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }

    /** The CloudEvent's attributes every record needs, and its reference to the signed event. */
    private record Source(String id, String type, String source, String host, String time, long epochMillis,
                          String cellId, String runId, Integer seq, String chainPrev, String keyId,
                          String signedPayloadSha256) {
        static Source of(JsonNode event) {
            String id = required(event, "id");
            String type = required(event, "type");
            String source = required(event, "source");
            String time = required(event, "time");
            long millis;
            try {
                millis = OffsetDateTime.parse(time).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("event " + id + ": time is not RFC 3339: " + time);
            }
            String runId = event.path(ExtensionNames.RUN_ID).asText(event.path("data").path("runId").asText(null));
            String cellId = event.path(ExtensionNames.CELL_ID).asText(event.path("data").path("cellId").asText(null));
            if (runId == null || cellId == null) {
                throw new IllegalArgumentException("event " + id + " names no run or cell (runid, cellid)");
            }
            String host = source.startsWith("/cell-runner/") ? source.substring("/cell-runner/".length()) : source;
            JsonNode seq = event.get(ExtensionNames.CHAIN_SEQ);
            String keyId = null;
            String payloadSha256 = null;
            JsonNode dsse = event.get(ExtensionNames.DSSE_MATERIAL);
            if (dsse != null && dsse.isTextual()) {
                try {
                    Dsse.Envelope envelope = Dsse.Envelope.parse(Digests.decodeBase64(dsse.textValue()));
                    keyId = envelope.signatures().get(0).keyid();
                    payloadSha256 = HexFormat.of().formatHex(Digests.sha256(envelope.payload()));
                } catch (IOException | IllegalArgumentException e) {
                    // an unsigned or damaged event is referenced by id alone
                }
            }
            return new Source(id, type, source, host, time, millis, cellId, runId,
                    seq != null && seq.canConvertToInt() ? seq.asInt() : null,
                    event.path(ExtensionNames.CHAIN_PREV).asText(null), keyId, payloadSha256);
        }

        ObjectNode reference() {
            ObjectNode ref = JSON.objectNode();
            ref.put("id", id);
            ref.put("source", source);
            ref.put("type", type);
            ref.put("time", time);
            ref.put("cellid", cellId);
            ref.put("runid", runId);
            if (seq != null) {
                ref.put("chainseq", seq);
            }
            if (chainPrev != null) {
                ref.put("chainprev", chainPrev);
            }
            if (keyId != null) {
                ref.put("keyid", keyId);
                ref.put("signedPayloadSha256", signedPayloadSha256);
            }
            return ref;
        }

        private static String required(JsonNode event, String name) {
            JsonNode value = event.get(name);
            if (value == null || !value.isTextual()) {
                throw new IllegalArgumentException("event has no " + name);
            }
            return value.textValue();
        }
    }

    /** An event's data, remembering which fields a record took, so the rest goes to {@code unmapped.data}. */
    private static final class Fields {
        private final JsonNode data;
        private final Set<String> taken = new HashSet<>();

        Fields(JsonNode data) {
            this.data = data.isObject() ? data : JSON.objectNode();
        }

        JsonNode take(String name) {
            taken.add(name);
            JsonNode value = data.get(name);
            return value == null || value.isNull() ? null : value;
        }

        JsonNode peek(String name) {
            JsonNode value = data.get(name);
            return value == null || value.isNull() ? null : value;
        }

        ObjectNode rest() {
            ObjectNode rest = JSON.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!taken.contains(field.getKey())) {
                    rest.set(field.getKey(), field.getValue());
                }
            }
            return rest;
        }
    }
}
