package dev.cellrunner.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules a JSON Schema cannot state: egress host syntax, secret names that would overwrite other
 * variables, NUL characters, normalised paths, repeated destinations and conflicting paths, integers
 * written as decimals. Reads the raw tree defensively: a node of the wrong type is the schema's finding.
 */
final class SpecRules {
    /**
     * Distinct exact hostnames per document: all are resolved, at once, before the cell may start.
     * Wildcards are not resolved at start (only the cell's responder answers below them): they do not count.
     */
    static final int MAX_HOSTNAMES = 32;
    /** Highest user or group id; 4294967295 is (uid_t) -1, which the kernel reads as "no change". */
    static final long MAX_ID = 4_294_967_294L;

    /** Path segments that make a path mean something other than it says: "/a//b", "/a/./b", "/a/../b", "/a/". */
    private static final Set<String> NOT_NORMALISED = Set.of("", ".", "..");

    private final ProblemList problems;

    private SpecRules(ProblemList problems) {
        this.problems = problems;
    }

    static void check(JsonNode document, ProblemList problems) {
        SpecRules rules = new SpecRules(problems);
        rules.everyValue(document, "");
        JsonNode spec = document.path("spec");
        rules.egress(list(spec.path("authority").path("egressRules")), "/spec/authority/egressRules");
        rules.secrets(list(spec.path("authority").path("secretRefs")), spec.path("run").path("env"));
        rules.paths(spec);
        rules.syscalls(list(spec.path("authority").path("syscalls").path("deny")), "/spec/authority/syscalls/deny");
        rules.principal(spec.path("run").path("user"), "/spec/run/user");
        rules.principal(spec.path("run").path("group"), "/spec/run/group");
    }

    /** Denied system calls must exist on this architecture: a typo would silently deny nothing. */
    private void syscalls(JsonNode deny, String pointer) {
        for (int i = 0; i < deny.size(); i++) {
            JsonNode name = deny.get(i);
            if (name.isTextual() && LinuxSyscalls.number(name.textValue()).isEmpty()) {
                problems.add(JsonPointers.child(pointer, i), "unknown system call '" + name.textValue()
                        + "' (names as in Linux x86-64, e.g. \"ptrace\")");
            }
        }
    }

    /** The node if it is an array, else an empty one: get(i) on an object would answer null. */
    private static JsonNode list(JsonNode node) {
        return node.isArray() ? node : MissingNode.getInstance();
    }

    /** NUL ends a C string: argv, env and paths would silently mean something shorter to the kernel. */
    private void everyValue(JsonNode node, String pointer) {
        if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
            problems.add(pointer, "must not contain a NUL character (\\u0000)");
        } else if (node.isFloatingPointNumber()) {
            problems.add(pointer, "expected an integer written without a fraction or exponent, got the decimal number "
                    + Messages.render(node, false));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                everyValue(node.get(i), JsonPointers.child(pointer, i));
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String child = JsonPointers.child(pointer, field.getKey());
                if (field.getKey().indexOf('\0') >= 0) {
                    problems.add(child, "field name must not contain a NUL character (\\u0000)");
                }
                everyValue(field.getValue(), child);
            }
        }
    }

    private void egress(JsonNode rules, String pointer) {
        Map<String, Integer> seen = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            JsonNode rule = rules.get(i);
            JsonNode host = rule.path("host");
            if (!host.isTextual()) {
                continue;
            }
            EgressHost parsed;
            try {
                parsed = EgressHost.parse(host.textValue());
            } catch (IllegalArgumentException e) {
                problems.add(JsonPointers.child(JsonPointers.child(pointer, i), "host"), e.getMessage());
                continue;
            }
            if (parsed instanceof EgressHost.DnsName name && names.add(name.name())
                    && names.size() == MAX_HOSTNAMES + 1) {
                problems.add(JsonPointers.child(JsonPointers.child(pointer, i), "host"), "more than " + MAX_HOSTNAMES
                        + " distinct hostnames; each is resolved before the cell starts, so a document may name at most "
                        + MAX_HOSTNAMES + " (use addresses, CIDR ranges or a wildcard such as *.example.com for the rest)");
            }
            JsonNode port = rule.path("port");
            if (port.isIntegralNumber()) {
                String destination = parsed + " port " + port.asText() + " " + rule.path("protocol").asText("tcp");
                Integer earlier = seen.putIfAbsent(destination, i);
                if (earlier != null) {
                    problems.add(JsonPointers.child(pointer, i), "same destination (" + destination
                            + ") as " + JsonPointers.child(pointer, earlier));
                }
            }
        }
    }

    /** A secret is delivered as a variable of its own name: it must not silently replace PATH or a run.env value. */
    private void secrets(JsonNode secretRefs, JsonNode env) {
        for (int i = 0; i < secretRefs.size(); i++) {
            JsonNode name = secretRefs.get(i);
            if (!name.isTextual()) {
                continue;
            }
            String at = JsonPointers.child("/spec/authority/secretRefs", i);
            if (name.textValue().equals("PATH")) {
                problems.add(at, "secret PATH would replace the cell's PATH; choose another name");
            } else if (env.has(name.textValue())) {
                problems.add(at, "secret " + name.textValue() + " would overwrite "
                        + JsonPointers.child("/spec/run/env", name.textValue()) + "; a variable is either a secret or a plain value");
            }
        }
    }

    private void paths(JsonNode spec) {
        path(spec.path("run").path("workingDirectory"), "/spec/run/workingDirectory");
        JsonNode outputs = list(spec.path("run").path("outputs"));
        for (int i = 0; i < outputs.size(); i++) {
            path(outputs.get(i), "/spec/run/outputs/" + i);
        }
        JsonNode filesystem = spec.path("authority").path("filesystem");
        for (String list : List.of("readOnly", "readWrite", "exec")) {
            JsonNode paths = list(filesystem.path(list));
            for (int i = 0; i < paths.size(); i++) {
                path(paths.get(i), "/spec/authority/filesystem/" + list + "/" + i);
            }
        }
        Map<String, Integer> readOnly = new HashMap<>();
        JsonNode readOnlyPaths = list(filesystem.path("readOnly"));
        for (int i = 0; i < readOnlyPaths.size(); i++) {
            readOnly.putIfAbsent(readOnlyPaths.get(i).asText(), i);
        }
        JsonNode readWrite = list(filesystem.path("readWrite"));
        for (int i = 0; i < readWrite.size(); i++) {
            Integer same = readWrite.get(i).isTextual() ? readOnly.get(readWrite.get(i).textValue()) : null;
            if (same != null) {
                problems.add("/spec/authority/filesystem/readWrite/" + i, "also listed in "
                        + "/spec/authority/filesystem/readOnly/" + same + "; a path is either read-only or read-write");
            }
        }
    }

    /** Absolute (the schema says so) and normalised: what the user wrote is what gets enforced and reported. */
    private void path(JsonNode node, String pointer) {
        if (!node.isTextual() || !node.textValue().startsWith("/") || node.textValue().equals("/")) {
            return;
        }
        for (String segment : node.textValue().substring(1).split("/", -1)) {
            if (NOT_NORMALISED.contains(segment)) {
                problems.add(pointer, "expected a normalised absolute path (no '.', '..' or empty"
                        + " segments, no trailing '/'), got " + Messages.render(node, false));
                return;
            }
        }
    }

    private void principal(JsonNode node, String pointer) {
        if (node.isTextual() && node.textValue().matches("[0-9]{1,10}") && Long.parseLong(node.textValue()) > MAX_ID) {
            problems.add(pointer, "expected a numeric id 0.." + MAX_ID + ", got " + node.textValue());
        }
    }
}
