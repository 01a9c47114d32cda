package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bin/cell-runner verify of a trail large enough for the launcher's other compiler settings (from 64 MiB: C2 for
 * hashing and field arithmetic, named by a directives file) reports exactly as on a small trail: the verdict and
 * nothing else on standard output (the JVM announces a directives file there unless told not to), nothing on
 * standard error, status 0.
 */
class VerifyLauncherIT {
    @Test
    void aLargeTrailIsReportedAsASmallOne(@TempDir Path dir) throws Exception {
        KeyFiles.Written keys = KeyFiles.writeNewPair(dir.resolve("keys"));
        SigningKey key = new SigningKey(KeyFiles.readPrivate(keys.privateKey()), false, null);
        Path trail = dir.resolve("trail.jsonl");
        RunIdentity run = new RunIdentity("test-host", "large-trail", UUID.randomUUID().toString(), null);
        try (EventTrail events = new EventTrail(new CellEventFactory(run, Clock.systemUTC()), new ChainSigner(key),
                List.of(new JsonlSink(trail)), m -> { })) {
            events.emit(EventTypes.STARTED, JsonNodeFactory.instance.objectNode()
                    .put("signingKeyId", key.keyId()).put("signingPublicKey", key.publicKey().base64Url()));
            events.emit(EventTypes.DESTROYED, JsonNodeFactory.instance.objectNode().put("outcome", "succeeded"));
        }
        // blank lines, which verify passes over, bring the file past the launcher's threshold
        try (OutputStream out = Files.newOutputStream(trail, StandardOpenOption.APPEND)) {
            byte[] blank = new byte[1 << 20];
            java.util.Arrays.fill(blank, (byte) '\n');
            for (int i = 0; i < 65; i++) {
                out.write(blank);
            }
        }
        assertThat(Files.size(trail)).isGreaterThan(64L << 20).isLessThan(256L << 20);

        MainProcess.Result result = MainProcess.launcher(dir, "verify", "--key", keys.publicKey().toString(),
                trail.toString());

        assertThat(result.out().lines().toList()).singleElement().asString()
                .startsWith("run " + run.runId() + " (cell large-trail): ok, 2 events, chain intact");
        assertThat(result.err()).isEmpty();
        assertThat(result.status()).isZero();
    }
}
