package dev.cellrunner.runner.cli;

import dev.cellrunner.events.SigningKey;
import dev.cellrunner.runner.confine.Landlock;
import dev.cellrunner.runner.os.Syscalls;
import dev.cellrunner.spec.LinuxSyscalls;
import io.cloudevents.core.builder.CloudEventBuilder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * One-shot start-up uses both cores: while the main thread parses and validates the document (Jackson and
 * the schema validator, about half of the start), this thread loads and runs once what comes next: JNA
 * and libc, the landlock ABI probe, SHA-256 and the security providers, the syscall table, address
 * parsing, Ed25519 key generation and signing, the CloudEvents builder. It has no
 * effect outside the JVM and its results are dropped. It stays away from Jackson, which the main thread
 * is initialising at the same time (two threads initialising classes that need each other can deadlock).
 */
final class StartupWarmup {
    private StartupWarmup() {
    }

    static void begin() {
        Thread thread = new Thread(StartupWarmup::warm, "startup-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    private static void warm() {
        try {
            MessageDigest.getInstance("SHA-256").digest(new byte[64]);
            LinuxSyscalls.all();
            InetAddress.getByName("198.51.100.1"); // a literal: no lookup
            Syscalls.gettid();
            Landlock.abi();
            SigningKey key = SigningKey.generateEphemeral();
            key.key().sign(new byte[64]);
            CloudEventBuilder.v1().withId("warmup").withSource(URI.create("/warmup")).withType("warmup").build();
        } catch (GeneralSecurityException | IOException | RuntimeException | LinkageError e) {
            // the main thread meets the same failure where it matters, and reports it there
        }
    }
}
