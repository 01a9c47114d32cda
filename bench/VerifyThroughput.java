import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.TrailVerifier;
import io.cloudevents.CloudEvent;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Two steps of bench/verify-throughput.sh. {@code generate FILE MEGABYTES KEYDIR [TEMPLATES]}: signed runs,
 * appended by the runner's JSONL sink (so runs are chained by runprev) until the file holds MEGABYTES; the
 * public key goes to KEYDIR. With TEMPLATES (a trail the runner wrote), each run repeats one of its runs in
 * turn, the same event types with the same data, as a new run (new run and event ids, times, the bench's key)
 * signed and chained by the runner's own code: the sizes, field shapes and digests of real trails. Without
 * it, the earlier shape: six small events, about 1.3 KB a line.
 * {@code verify FILE PUBKEY [--every-signature]}: the streaming verifier over the file, printing MB/s and
 * the heap's peak (the sum of every heap pool's peak usage). Printed, never asserted.
 */
public class VerifyThroughput {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("generate")) {
            generate(Path.of(args[1]), Long.parseLong(args[2]) << 20, Path.of(args[3]),
                    args.length > 4 ? templates(Path.of(args[4])) : List.of());
        } else {
            verify(Path.of(args[1]), Path.of(args[2]), args.length > 3 && args[3].equals("--every-signature"));
        }
    }

    /** A template run: its cell's id and its events' types and data (without runId and cellId), in chain order. */
    record Template(String cellId, List<String> types, List<ObjectNode> data) {
    }

    /** The runs of a trail the runner wrote, each with its events in chainseq order. */
    static List<Template> templates(Path trail) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, TreeMap<Integer, JsonNode>> runs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(trail)) {
            if (!line.isBlank()) {
                JsonNode event = mapper.readTree(line);
                runs.computeIfAbsent(event.path("runid").asText(), r -> new TreeMap<>())
                        .put(event.path("chainseq").asInt(), event);
            }
        }
        List<Template> templates = new ArrayList<>();
        for (TreeMap<Integer, JsonNode> events : runs.values()) {
            List<String> types = new ArrayList<>();
            List<ObjectNode> data = new ArrayList<>();
            for (JsonNode event : events.values()) {
                ObjectNode fields = ((ObjectNode) event.get("data")).deepCopy();
                fields.remove(List.of("runId", "cellId"));
                types.add(event.path("type").asText());
                data.add(fields);
            }
            templates.add(new Template(events.firstEntry().getValue().path("cellid").asText(), types, data));
        }
        if (templates.isEmpty()) {
            throw new IllegalArgumentException(trail + " holds no events");
        }
        return templates;
    }

    static void generate(Path file, long bytes, Path keyDir, List<Template> templates) throws Exception {
        KeyFiles.Written written = KeyFiles.writeNewPair(keyDir);
        SigningKey key = new SigningKey(KeyFiles.readPrivate(written.privateKey()), false, null);
        long runs = 0;
        // each run opens the runner's own JSONL sink, as a cell does: appends under the trail's lock, runs
        // chained by runprev
        while (!Files.exists(file) || Files.size(file) < bytes) {
            Template template = templates.isEmpty() ? null : templates.get((int) (runs % templates.size()));
            RunIdentity run = new RunIdentity("bench-host", template == null ? "cell-" + runs : template.cellId(),
                    UUID.randomUUID().toString(), null);
            try (EventTrail trail = new EventTrail(new CellEventFactory(run, Clock.systemUTC()), new ChainSigner(key),
                    List.of(new JsonlSink(file)), m -> { })) {
                if (template == null) {
                    emit(trail, runs);
                } else {
                    replay(trail, template);
                }
                runs++;
            }
        }
        System.out.printf("generated %d runs (%s), %.0f MB%n", runs, templates.isEmpty() ? "six small events each"
                : "each repeating one of " + templates.size() + " template runs", Files.size(file) / 1e6);
    }

    /** The template's events again, the started event naming the bench's key as the runner names its own. */
    static void replay(EventTrail trail, Template template) throws Exception {
        for (int i = 0; i < template.types().size(); i++) {
            ObjectNode fields = template.data().get(i).deepCopy();
            if (fields.has("signingPublicKey")) {
                fields.put("signingKeyId", trail.signingKey().keyId());
                fields.put("signingPublicKey", trail.signingKey().publicKey().base64Url());
                fields.put("signingKeyEphemeral", false);
            }
            trail.emit(template.types().get(i), fields);
        }
    }

    static void emit(EventTrail trail, long n) throws Exception {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode started = json.objectNode();
        started.put("signingKeyId", trail.signingKey().keyId());
        started.put("specDigest", "sha256:" + "ab".repeat(32));
        started.putArray("argv").add("/usr/bin/make").add("test").add("-j" + (n % 8));
        started.put("ttlSeconds", 600);
        trail.emit(EventTypes.STARTED, started);
        ObjectNode policy = json.objectNode().put("isolationMode", "clone_newnet").put("declaredEgressCount", 3);
        ArrayNode egress = policy.putArray("declaredEgress");
        for (int i = 0; i < 3; i++) {
            egress.addObject().put("host", "198.51.100." + (10 + i)).put("port", 443).put("protocol", "tcp")
                    .putArray("resolved").add("198.51.100." + (10 + i));
        }
        trail.emit(EventTypes.NETWORK_POLICY, policy);
        ObjectNode confinement = json.objectNode();
        confinement.putObject("landlock").put("abi", 6).put("enforced", true).put("rules", 42);
        confinement.putObject("seccomp").put("mode", 2).put("enforced", true)
                .putArray("denied").add("ptrace").add("mount").add("kexec_load").add("bpf");
        trail.emit(EventTypes.CONFINEMENT, confinement);
        ObjectNode enforcement = json.objectNode().put("nftRulesApplied", 3).put("droppedPackets", n % 5)
                .put("rulesetDigest", "sha256:" + "cd".repeat(32));
        ArrayNode counters = enforcement.putArray("counters");
        for (int i = 0; i < 3; i++) {
            counters.addObject().put("rule", i).put("packets", 1000 + n).put("bytes", 1_500_000.5 + i);
        }
        trail.emit(EventTypes.NETWORK_ENFORCEMENT, enforcement);
        trail.emit(EventTypes.COMMAND_COMPLETED, json.objectNode().put("exitCode", 0).put("durationMs", 1234)
                .put("timedOut", false).put("stdoutBytes", 4096).put("stderrBytes", 12));
        trail.emit(EventTypes.DESTROYED, json.objectNode().put("outcome", "succeeded").put("terminalState", "clean"));
    }

    static void verify(Path file, Path publicKey, boolean everySignature) throws Exception {
        Ed25519Key.PublicKey key = KeyFiles.readPublic(publicKey);
        long size = Files.size(file);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long[] verdicts = {0};
        var threads = ManagementFactory.getThreadMXBean();
        var process = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long processStart = process.getProcessCpuTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        TrailVerifier verifier = new TrailVerifier(List.of(key), new TrailVerifier.Options(everySignature, true),
                verdict -> verdicts[0]++);
        try (InputStream in = Files.newInputStream(file)) {
            verifier.read(file.toString(), in);
        }
        verifier.finish();
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        double processCpu = (process.getProcessCpuTime() - processStart) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        TrailVerifier.Summary s = verifier.summary();
        System.out.printf((everySignature ? "--every-signature: " : "default (last signature of each run): ")
                + "verified %.0f MB in %.1f s wall, %.1f s of the verifying thread's CPU: %.1f MB/s wall,"
                        + " %.1f MB per CPU-second (the whole JVM, JIT and GC included: %.1f s, %.1f MB per CPU-second);"
                        + " %d runs (ok %d, incomplete %d, bad %d, problems %d);"
                        + " heap peak %.0f MB (max %d MB)%n", size / 1e6, seconds, cpu, size / 1e6 / seconds,
                size / 1e6 / cpu, processCpu, size / 1e6 / processCpu, verdicts[0],
                s.ok(), s.incomplete(), s.bad(), s.problems(), peak / 1e6, Runtime.getRuntime().maxMemory() >> 20);
    }
}
