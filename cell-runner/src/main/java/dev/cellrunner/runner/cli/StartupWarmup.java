package dev.cellrunner.runner.cli;

import dev.cellrunner.events.SigningKey;
import dev.cellrunner.runner.confine.Landlock;
import dev.cellrunner.runner.egress.CellNetwork;
import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.Syscalls;
import dev.cellrunner.spec.LinuxSyscalls;
import io.cloudevents.core.builder.CloudEventBuilder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One-shot start-up uses both cores: while the main thread parses and validates the document (Jackson and
 * the schema validator, about half of the start), this thread loads and runs once what comes next: JNA
 * and libc first (the options' checks that follow the validation need them), the landlock ABI probe,
 * libnftables (loaded, not opened), SHA-256 and the security providers, the syscall table, address parsing and the interface list, Ed25519 key generation and signing, the CloudEvents
 * builder. It stays away from Jackson until the main thread is done with the document (two threads
 * initialising classes that need each other can deadlock); then it rehearses the cell's ruleset in a
 * network namespace of its own ({@link CellNetwork#rehearse}), which uses Jackson to read it back.
 * Nothing of this reaches outside the JVM and this thread, and every result is dropped.
 */
final class StartupWarmup {
    /** Opened once the main thread is done with the document, and with it with initialising Jackson. */
    private static final CountDownLatch DOCUMENT_READ = new CountDownLatch(1);

    private StartupWarmup() {
    }

    static void begin() {
        Thread thread = new Thread(StartupWarmup::warm, "startup-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    /** The main thread has read and validated the document: the warm-up may now use Jackson. */
    static void documentRead() {
        DOCUMENT_READ.countDown();
    }

    private static void warm() {
        warmIndependent();
        try {
            if (DOCUMENT_READ.await(1, TimeUnit.SECONDS)) {
                CellNetwork.rehearse(); // this thread enters a namespace of its own and ends right after
            }
        } catch (Exception | LinkageError e) {
            // as above: the cell's own run meets any failure that matters
        }
    }

    /**
     * SHA-256 over 64 KiB: the run hashes each event's data, signed payload and trail line, and the
     * confinement event alone is some 20 KB, which the interpreter hashes in about 6 ms; 1024 blocks here
     * get the compression function compiled before the run needs it (a few hundred blocks are enough).
     */
    private static void hashUntilCompiled() throws GeneralSecurityException {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[4096];
        for (int i = 0; i < 16; i++) {
            sha256.update(chunk);
        }
        sha256.digest();
    }

    private static void warmIndependent() {
        try {
            Syscalls.gettid(); // JNA first: the main thread needs it as soon as the document is validated
            hashUntilCompiled();
            LinuxSyscalls.all();
            InetAddress.getByName("198.51.100.1"); // a literal: no lookup
            NetworkInterface.getNetworkInterfaces(); // the host's addresses, read again when the cell is planned
            Landlock.abi();
            Nftables.requireLibrary();
            SigningKey key = SigningKey.generateEphemeral();
            key.key().sign(new byte[64]);
            CloudEventBuilder.v1().withId("warmup").withSource(URI.create("/warmup")).withType("warmup").build();
        } catch (GeneralSecurityException | IOException | Nftables.Unavailable | RuntimeException | LinkageError e) {
            // the main thread meets the same failure where it matters, and reports it there
        }
    }
}
