package dev.cellrunner.events;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes signed runs shaped like a runner's (started, network_policy, confinement, network_enforcement,
 * completed, destroyed; about 1.5 KB a line) to a stream as they are made, so a test can verify
 * hundreds of megabytes without holding them.
 */
final class GeneratedRuns {
    private GeneratedRuns() {
    }

    /** Writes runs until {@code bytes} have been written; returns how many runs. */
    static long write(OutputStream out, long bytes, SigningKey key) throws IOException {
        long[] written = {0};
        EventSink sink = new EventSink() {
            @Override
            public void append(CloudEvent event, byte[] json) {
                try {
                    out.write(json);
                    out.write('\n');
                    written[0] += json.length + 1;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void sync() {
            }

            @Override
            public String describe() {
                return "stream";
            }

            @Override
            public void close() {
            }
        };
        long runs = 0;
        while (written[0] < bytes) {
            try (EventTrail trail = TestRuns.trail(key, "cell-" + runs, sink)) {
                emit(trail, runs);
            } catch (SinkException e) {
                throw new IOException(e);
            }
            runs++;
        }
        out.flush();
        return runs;
    }

    private static void emit(EventTrail trail, long n) throws SinkException {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode started = json.objectNode();
        started.put("signingKeyId", trail.signingKey().keyId());
        started.put("signingPublicKey", trail.signingKey().publicKey().base64Url());
        started.put("specDigest", "sha256:" + "ab".repeat(32));
        started.putArray("argv").add("/usr/bin/make").add("test").add("-j" + (n % 8));
        started.put("ttlSeconds", 600);
        trail.emit(EventTypes.STARTED, started);
        ObjectNode policy = json.objectNode();
        policy.put("isolationMode", "clone_newnet");
        ArrayNode egress = policy.putArray("declaredEgress");
        for (int i = 0; i < 3; i++) {
            egress.addObject().put("host", "198.51.100." + (10 + i)).put("port", 443).put("protocol", "tcp")
                    .putArray("resolved").add("198.51.100." + (10 + i));
        }
        policy.put("declaredEgressCount", 3);
        trail.emit(EventTypes.NETWORK_POLICY, policy);
        ObjectNode confinement = json.objectNode();
        confinement.putObject("landlock").put("abi", 6).put("enforced", true).put("rules", 42)
                .put("observedFrom", "/proc/1234/status");
        confinement.putObject("seccomp").put("mode", 2).put("enforced", true)
                .putArray("denied").add("ptrace").add("mount").add("kexec_load").add("bpf");
        confinement.put("noNewPrivs", true).put("capabilities", "0000000000000000");
        trail.emit(EventTypes.CONFINEMENT, confinement);
        ObjectNode enforcement = json.objectNode();
        enforcement.put("nftRulesApplied", 3).put("supplementaryEgressFilterActive", true)
                .put("rulesetDigest", "sha256:" + "cd".repeat(32)).put("droppedPackets", n % 5);
        ArrayNode counters = enforcement.putArray("counters");
        for (int i = 0; i < 3; i++) {
            counters.addObject().put("rule", i).put("packets", 1000 + n).put("bytes", 1_500_000.5 + i);
        }
        trail.emit(EventTypes.NETWORK_ENFORCEMENT, enforcement);
        ObjectNode completed = json.objectNode();
        completed.put("exitCode", 0).put("durationMs", 1234 + n % 100).put("timedOut", false)
                .put("stdoutBytes", 4096).put("stderrBytes", 12);
        trail.emit(EventTypes.COMMAND_COMPLETED, completed);
        trail.emit(EventTypes.DESTROYED, json.objectNode().put("outcome", "succeeded").put("terminalState", "clean"));
    }
}
