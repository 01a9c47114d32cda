package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;

/** An ExecutionCell document (CONTRACT.md §1) built field by field; {@link #json()} is what the runner reads. */
public final class Spec {
    private final ObjectNode root = Trail.JSON.createObjectNode();

    private Spec(String id, List<String> argv) {
        root.put("apiVersion", "cellos.io/v1");
        root.put("kind", "ExecutionCell");
        ObjectNode spec = root.putObject("spec");
        spec.put("id", id);
        spec.putObject("lifetime").put("ttlSeconds", 30);
        ArrayNode args = spec.putObject("run").putArray("argv");
        argv.forEach(args::add);
    }

    /** A valid minimal cell: the given id and argv, a 30 s lifetime, nothing else. */
    public static Spec cell(String id, String... argv) {
        return new Spec(id, List.of(argv));
    }

    /** A cell that runs a /bin/sh script. */
    public static Spec shell(String id, String script) {
        return cell(id, "/bin/sh", "-c", script);
    }

    public String id() {
        return root.path("spec").path("id").asText();
    }

    public List<String> argv() {
        List<String> argv = new ArrayList<>();
        root.path("spec").path("run").path("argv").forEach(a -> argv.add(a.asText()));
        return argv;
    }

    public Spec ttlSeconds(long seconds) {
        spec().withObjectProperty("lifetime").put("ttlSeconds", seconds);
        return this;
    }

    public Spec timeoutMs(long millis) {
        run().put("timeoutMs", millis);
        return this;
    }

    /** Adds an egress rule; a null protocol leaves the field out (the contract's default is tcp). */
    public Spec egress(String host, int port, String protocol) {
        ObjectNode rule = authority().withArrayProperty("egressRules").addObject();
        rule.put("host", host);
        rule.put("port", port);
        if (protocol != null) {
            rule.put("protocol", protocol);
        }
        return this;
    }

    public Spec env(String name, String value) {
        run().withObjectProperty("env").put(name, value);
        return this;
    }

    public Spec secretRef(String name) {
        authority().withArrayProperty("secretRefs").add(name);
        run().put("secretDelivery", "env");
        return this;
    }

    public Spec correlation(String platform, String externalRunId, String labelKey, String labelValue) {
        ObjectNode correlation = spec().putObject("correlation");
        correlation.put("platform", platform);
        correlation.put("externalRunId", externalRunId);
        correlation.putObject("labels").put(labelKey, labelValue);
        return this;
    }

    public Spec workingDirectory(String dir) {
        run().put("workingDirectory", dir);
        return this;
    }

    public Spec filesystem(List<String> readOnly, List<String> readWrite) {
        ObjectNode fs = authority().putObject("filesystem");
        readOnly.forEach(fs.putArray("readOnly")::add);
        readWrite.forEach(fs.putArray("readWrite")::add);
        return this;
    }

    /** The whole host readable and executable, {@code dir} writable: for cells that leave files for the case. */
    public Spec writable(Path dir) {
        return filesystem(List.of("/"), List.of(dir.toString()));
    }

    public Spec deniedSyscalls(String... names) {
        ArrayNode deny = authority().putObject("syscalls").putArray("deny");
        List.of(names).forEach(deny::add);
        return this;
    }

    /** {@code run.user}: an account name or number. */
    public Spec user(String user) {
        run().put("user", user);
        return this;
    }

    public Spec memoryMaxBytes(long bytes) {
        run().withObjectProperty("limits").put("memoryMaxBytes", bytes);
        return this;
    }

    public Spec pidsMax(int pids) {
        run().withObjectProperty("limits").put("pidsMax", pids);
        return this;
    }

    /** Sets {@code name} on the object at {@code pointer}: for documents that break a rule on purpose. */
    public Spec field(String pointer, String name, JsonNode value) {
        objectAt(pointer).set(name, value);
        return this;
    }

    /** Removes {@code name} from the object at {@code pointer}. */
    public Spec without(String pointer, String name) {
        objectAt(pointer).remove(name);
        return this;
    }

    public String json() {
        try {
            return Trail.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    private ObjectNode objectAt(String pointer) {
        JsonNode node = root.at(pointer);
        if (!node.isObject()) {
            throw new IllegalArgumentException(pointer + " is not an object in " + json());
        }
        return (ObjectNode) node;
    }

    private ObjectNode spec() {
        return (ObjectNode) root.get("spec");
    }

    private ObjectNode run() {
        return spec().withObjectProperty("run");
    }

    private ObjectNode authority() {
        return spec().withObjectProperty("authority");
    }
}
