package dev.cellrunner.events.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.CellEventFactory;
import dev.cellrunner.events.ChainSigner;
import dev.cellrunner.events.Dsse;
import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.EventSink;
import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.ExtensionNames;
import dev.cellrunner.events.JsonlSink;
import dev.cellrunner.events.RunIdentity;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.VerificationMaterial;
import io.cloudevents.CloudEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one event on the way to its trail, in microseconds per event. The run benchmarks emit a run
 * of 6 events per invocation the way a cell does (a fresh trail per run; the JSONL file stays open across
 * runs, as a runner's does), so their score is per event too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EventPathBenchmark {
    static final int RUN_EVENTS = 6;

    private SigningKey key;
    private byte[] signedMessage;
    private Path dir;
    private Path trailFile;
    private JsonlSink sink;

    @Setup(Level.Trial)
    public void keyAndMessage() throws Exception {
        key = SigningKey.generateEphemeral();
        CloudEvent signed = new ChainSigner(key).sign(factory().build(EventTypes.NETWORK_POLICY, data(0)));
        byte[] envelope = (byte[]) signed.getExtension(ExtensionNames.DSSE_MATERIAL);
        signedMessage = Dsse.pae(VerificationMaterial.PAYLOAD_TYPE, Dsse.Envelope.parse(envelope).payload());
        dir = Files.createTempDirectory("cr-jmh-events");
    }

    /** A new file each iteration keeps the trail from growing to hundreds of megabytes. */
    @Setup(Level.Iteration)
    public void openTrailFile() throws Exception {
        trailFile = dir.resolve("trail-" + UUID.randomUUID() + ".jsonl");
        sink = new JsonlSink(trailFile);
    }

    @TearDown(Level.Iteration)
    public void closeTrailFile() throws Exception {
        sink.close();
        Files.delete(trailFile);
    }

    @TearDown(Level.Trial)
    public void removeDirectory() throws IOException {
        Files.delete(dir);
    }

    /** Ed25519 over what an event's signature covers: DSSE's PAE of the event's digests (core, ext). */
    @Benchmark
    public byte[] signEventDigest() {
        return key.key().sign(signedMessage);
    }

    /** Build, chain-sign and serialize to CloudEvents JSON, no sink: the CPU cost of an event. */
    @Benchmark
    @OperationsPerInvocation(RUN_EVENTS)
    public byte[] buildSignSerialize() {
        CellEventFactory factory = factory();
        ChainSigner signer = new ChainSigner(key);
        byte[] json = null;
        for (int i = 0; i < RUN_EVENTS; i++) {
            json = EventJson.serialize(signer.sign(factory.build(EventTypes.NETWORK_POLICY, data(i))));
        }
        return json;
    }

    /** Build, sign and append each event of a run to the JSONL file, never fsynced. */
    @Benchmark
    @OperationsPerInvocation(RUN_EVENTS)
    public CloudEvent jsonlNoFsync() throws Exception {
        EventTrail trail = trail(sink);
        CloudEvent last = null;
        for (int i = 0; i < RUN_EVENTS; i++) {
            last = trail.emit(i == RUN_EVENTS - 1 ? EventTypes.DESTROYED : EventTypes.NETWORK_POLICY, data(i));
        }
        return last;
    }

    /** The same with the runner's fsync policy: fsync before {@code destroyed} and after it (CellRun.finish). */
    @Benchmark
    @OperationsPerInvocation(RUN_EVENTS)
    public CloudEvent jsonlFsyncPerRun() throws Exception {
        EventTrail trail = trail(sink);
        for (int i = 0; i < RUN_EVENTS - 1; i++) {
            trail.emit(EventTypes.NETWORK_POLICY, data(i));
        }
        trail.sync();
        CloudEvent destroyed = trail.emit(EventTypes.DESTROYED, data(RUN_EVENTS - 1));
        trail.sync();
        return destroyed;
    }

    private EventTrail trail(EventSink to) {
        return new EventTrail(factory(), new ChainSigner(key), List.of(to), warning -> { });
    }

    private static CellEventFactory factory() {
        RunIdentity run = new RunIdentity("bench", "bench-cell", UUID.randomUUID().toString(), null);
        return new CellEventFactory(run, Clock.systemUTC());
    }

    /** Fields of the size a completed event carries. */
    private static ObjectNode data(int i) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("exitCode", 0).put("durationMs", 1234).put("stdoutBytes", 4096L * i).put("timedOut", false);
        data.putArray("argv").add("/usr/bin/make").add("test").add("-j" + i);
        return data;
    }
}
