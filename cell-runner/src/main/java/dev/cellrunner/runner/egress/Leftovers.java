package dev.cellrunner.runner.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.runner.observe.RunnerProcesses;
import dev.cellrunner.runner.os.NetlinkError;
import dev.cellrunner.runner.os.NetlinkReply;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.RouteMessages;
import dev.cellrunner.runner.os.RouteNetlink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What {@code cell-runner gc} removes in the runner's own network namespace (the calling thread's):
 * veths and nft tables named after a runner PID that is no longer alive (a runner killed with SIGKILL
 * could not clean up), and forwarding switched on for cells of such runners. Objects of live runners
 * are never touched.
 */
public final class Leftovers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Leftovers() {
    }

    /** Removes leftovers; returns what it did, one sentence each. Problems are reported through {@code log}. */
    public static List<String> collect(Map<String, String> env, Consumer<String> log) {
        List<String> removed = new ArrayList<>();
        try (RouteNetlink socket = RouteNetlink.open()) {
            for (NetlinkReply link : socket.dump(RouteMessages.dumpLinks(), "list links")) {
                String name = RouteMessages.linkName(link);
                if (link.type() == RouteMessages.RTM_NEWLINK && name != null && ownedByDeadRunner(name)) {
                    try {
                        if (VethUplink.remove(socket, name)) {
                            removed.add("removed veth " + name);
                        }
                    } catch (NetlinkError e) {
                        log.accept("cannot remove " + name + ": " + e.getMessage());
                    }
                }
            }
        } catch (NetlinkError | OsError e) {
            log.accept("cannot look for leftover veths: " + e.getMessage());
        }
        try {
            Nftables.Session nft = NftKernel.runner();
            Nftables.Result tables = nft.listJson("list tables");
            if (!tables.ok()) {
                throw new IOException(tables.error());
            }
            for (JsonNode item : JSON.readTree(tables.output().isBlank() ? "{}" : tables.output()).path("nftables")) {
                JsonNode table = item.path("table");
                String name = table.path("name").asText();
                String family = table.path("family").asText();
                if (table.isObject() && ownedByDeadRunner(name)) {
                    Nftables.Result deleted = nft.run("delete table " + family + " " + name);
                    if (deleted.ok()) {
                        removed.add("removed nft table " + family + " " + name);
                    } else {
                        log.accept("cannot remove nft table " + family + " " + name + ": " + deleted.error());
                    }
                }
            }
        } catch (Nftables.Unavailable | OsError | IOException e) {
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
}
