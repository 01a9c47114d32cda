package dev.cellrunner.runner.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.runner.observe.RunnerProcesses;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What {@code cell-runner gc} removes in the runner's own network namespace: veths and nft tables
 * named after a runner PID that is no longer alive (a runner killed with SIGKILL could not clean up),
 * and forwarding switched on for cells of such runners. Objects of live runners are never touched.
 */
public final class Leftovers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Leftovers() {
    }

    /** Removes leftovers; returns what it did, one sentence each. Problems are reported through {@code log}. */
    public static List<String> collect(Map<String, String> env, Consumer<String> log) {
        List<String> removed = new ArrayList<>();
        try {
            Path ip = Tools.require("ip");
            for (JsonNode link : listJson(ip, List.of("-j", "link", "show"))) {
                String name = link.path("ifname").asText();
                if (ownedByDeadRunner(name) && remove(ip, List.of("link", "delete", name), log)) {
                    removed.add("removed veth " + name);
                }
            }
        } catch (Tools.ToolMissing | IOException e) {
            log.accept("cannot look for leftover veths: " + e.getMessage());
        }
        try {
            Path nft = Tools.require("nft");
            for (JsonNode item : listJson(nft, List.of("-j", "list", "tables")).path("nftables")) {
                JsonNode table = item.path("table");
                String name = table.path("name").asText();
                if (table.isObject() && ownedByDeadRunner(name)
                        && remove(nft, List.of("delete", "table", table.path("family").asText(), name), log)) {
                    removed.add("removed nft table " + table.path("family").asText() + " " + name);
                }
            }
        } catch (Tools.ToolMissing | IOException e) {
            log.accept("cannot look for leftover nft tables: " + e.getMessage());
        }
        try {
            Forwarding.forThisNamespace(StateDirectory.of(env)).collect(message -> {
                log.accept(message);
                removed.add(message);
            });
        } catch (IOException e) {
            log.accept("cannot check the forwarding record: " + e.getMessage());
        }
        return removed;
    }

    static boolean ownedByDeadRunner(String name) {
        return CellNetNames.ownerOf(name)
                .map(pid -> !RunnerProcesses.isLive(pid))
                .orElse(false);
    }

    private static JsonNode listJson(Path tool, List<String> args) throws IOException {
        ToolResult result = Tools.run(SpawnSite.HOST, tool, args, "");
        if (!result.ok()) {
            throw new IOException(tool.getFileName() + " " + String.join(" ", args) + ": " + result.error());
        }
        return JSON.readTree(result.stdout().isBlank() ? "[]" : result.stdout());
    }

    private static boolean remove(Path tool, List<String> args, Consumer<String> log) throws IOException {
        ToolResult result = Tools.run(SpawnSite.HOST, tool, args, "");
        if (!result.ok()) {
            log.accept("cannot remove (" + tool.getFileName() + " " + String.join(" ", args) + "): " + result.error());
        }
        return result.ok();
    }
}
