package dev.cellrunner.runner.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * SIGTERM and SIGINT for a runner that finishes what it holds: the first one calls {@code drain} (the JVM
 * keeps running, so no cell is killed by a shutdown hook); a second one ends the JVM the usual way, whose
 * shutdown hooks kill the cells in hand and report them. The JDK offers no public API to take a signal
 * without starting shutdown, hence {@code sun.misc.Signal} (jdk.unsupported, kept for such uses).
 */
final class StopSignals {
    private StopSignals() {
    }

    static void install(Runnable drain, Consumer<String> log) {
        AtomicInteger received = new AtomicInteger();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (received.incrementAndGet() == 1) {
                    log.accept("SIG" + signal.getName() + ": taking no more work; finishing what is in hand "
                            + "(again to stop now and kill the cells in hand)");
                    drain.run();
                } else {
                    log.accept("SIG" + signal.getName() + " again: stopping now");
                    System.exit(128 + signal.getNumber());
                }
            });
        }
    }
}
