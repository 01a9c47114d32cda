package dev.cellrunner.runner.cli;

import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.nft.KernelRuleset;
import dev.cellrunner.runner.cell.CellPlanner;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cell.RefusedCell;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.runner.egress.CellNetwork;
import dev.cellrunner.runner.egress.HostResolver;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.SpecReadResult;
import io.cloudevents.CloudEvent;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A fresh resident runner runs its first cells with code the JVM has not compiled yet: here its first
 * 50 cells took a median of 22-29 ms each, against 13-17 ms once warm. So as soon as it listens, this
 * thread repeats, at the lowest CPU priority, the pure-Java work every cell does: validating a
 * document, planning it, reading a ruleset listing back (parse and digest), building, signing and
 * serialising a refused cell's events into a sink that drops them. Nothing reaches the trail or any
 * client; the one kernel object is the rehearsal namespace of a thread of its own (as in a one-shot
 * start), gone when that thread ends. The server's log says when it is done, or why it stopped; a
 * failure only ends the warm-up (cells meet it themselves).
 */
final class ServeWarmup {
    private static final int ROUNDS = 300;
    private static final byte[] DOCUMENT = ("{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{"
            + "\"id\":\"warm-up\",\"lifetime\":{\"ttlSeconds\":30},\"authority\":{\"egressRules\":["
            + "{\"host\":\"198.51.100.1\",\"port\":443,\"protocol\":\"tcp\"}]},\"run\":{\"argv\":[\"/usr/bin/true\"]}}}")
            .getBytes(StandardCharsets.UTF_8);

    /** Drops each event; the trail has serialised it by then, and that is what is warmed. */
    private static final EventSink DROP = new EventSink() {
        @Override
        public void append(CloudEvent event, byte[] json) {
        }

        @Override
        public void sync() {
        }

        @Override
        public String describe() {
            return "warm-up";
        }

        @Override
        public void close() {
        }
    };

    private ServeWarmup() {
    }

    static void begin(Consumer<String> log) {
        Thread thread = new Thread(() -> warm(log), "serve-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    private static void warm(Consumer<String> log) {
        long start = System.nanoTime();
        try {
            // Linux applies a priority set for "this process" (who = 0) to the calling thread only.
            LibC.INSTANCE.syscall(Linux.SYS_SETPRIORITY, Linux.PRIO_PROCESS, 0, 19);
            String listing = rehearsedListing();
            SigningKey key = SigningKey.generateEphemeral();
            for (int round = 0; round < ROUNDS; round++) {
                SpecReadResult.Valid valid = (SpecReadResult.Valid) CellSpecReader.read(DOCUMENT);
                CellPlanner.plan(valid.document(), valid.specDigest(), Map.of(),
                        CellLauncher.resolveNames(valid.document().spec(), Map.of(), HostResolver.CAP),
                        HostFacts.probe(List.of()));
                KernelRuleset.parse(listing).digest();
                EventTrail trail = new EventTrail(new CellEventFactory(new RunIdentity("warm-up", "warm-up",
                        UUID.randomUUID().toString(), null), Clock.systemUTC()), new ChainSigner(key), List.of(DROP),
                        line -> { });
                new RefusedCell(trail, line -> { }).refuse(valid.document(), valid.specDigest(),
                        new Refusal("confinement", "warm-up"));
            }
            log.accept("warm-up done in " + (System.nanoTime() - start) / 1_000_000 + " ms (" + ROUNDS + " rounds)");
        } catch (Exception | LinkageError e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            log.accept("warm-up stopped (cells run all the same, the first ones slower): "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
        }
    }

    /** The cell-side ruleset read back from a namespace of a short-lived thread's own. */
    private static String rehearsedListing() {
        CompletableFuture<String> listing = new CompletableFuture<>();
        Thread rehearsal = new Thread(() -> {
            try {
                listing.complete(CellNetwork.rehearse());
            } catch (Exception e) {
                listing.completeExceptionally(e);
            }
        }, "serve-warmup-rehearsal");
        rehearsal.setDaemon(true);
        rehearsal.start();
        return listing.join();
    }
}
