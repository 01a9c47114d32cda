package dev.cellrunner.events;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;

/**
 * A separate JVM (started with a small heap by {@link TrailVerifierHostileTest}) that verifies
 * MEGABYTES of signed runs generated on the fly: nothing is held but what the verifier keeps.
 * Prints "runs N ok N incomplete N bad N problems N". Arguments: MEGABYTES
 */
public final class StreamingVerifyMain {
    public static void main(String[] args) throws Exception {
        long bytes = Long.parseLong(args[0]) << 20;
        SigningKey key = new SigningKey(TestRuns.KEY, false, null);
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream out = new PipedOutputStream(in);
        long[] runs = {0};
        Thread writer = new Thread(() -> {
            try (out) {
                runs[0] = GeneratedRuns.write(out, bytes, key);
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        writer.start();
        long[] verdicts = {0};
        TrailVerifier verifier = new TrailVerifier(List.of(key.publicKey()), verdict -> verdicts[0]++);
        verifier.read("generated", in);
        verifier.finish();
        writer.join();
        TrailVerifier.Summary s = verifier.summary();
        System.out.printf("runs %d ok %d incomplete %d bad %d problems %d%n", runs[0], s.ok(), s.incomplete(), s.bad(),
                s.problems());
    }
}
