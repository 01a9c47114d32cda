package dev.cellrunner.events.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cellrunner.events.EventJson;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A spool run directory filled with fuzzed entries (plain files of any bytes, links out of the spool,
 * directories, files past the size limit, odd names): the reader hands back exactly the bytes of the
 * plain event files, never a byte from outside the spool, never throws past an IOException naming the
 * entry, and parsing what it hands back either gives an event or says why not.
 *
 * <p>In {@code mvn verify} this replays the seeds in
 * src/test/resources/dev/cellrunner/events/http/SpoolReaderFuzzTestInputs/entries; fuzz for real with
 * {@code JAZZER_FUZZ=1 mvn -B -pl event-sinks -am test -Dtest='SpoolReaderFuzzTest'
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SpoolReaderFuzzTest {
    private static final String OUTSIDE = "{\"outside\":\"never read\"}";

    @FuzzTest(maxDuration = "60s")
    void entries(FuzzedDataProvider data) throws IOException {
        Path base = Files.createTempDirectory("spool-fuzz");
        try {
            Path outside = Files.writeString(base.resolve("outside.json"), OUTSIDE);
            Path run = Files.createDirectories(base.resolve("spool").resolve("receiver").resolve("1-run"));
            List<String> plain = new ArrayList<>();
            int count = data.consumeInt(0, 6);
            for (int i = 0; i < count; i++) {
                String name = data.consumeBoolean() ? String.format("%08d%s", i, Spool.SUFFIX)
                        : data.consumeAsciiString(12).replace('/', '_').replace('\0', '_') + Spool.SUFFIX;
                Path entry = run.resolve(name);
                if (Files.exists(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) || name.startsWith(".")) {
                    continue;
                }
                switch (data.consumeInt(0, 3)) {
                    case 0 -> {
                        Files.write(entry, data.consumeBytes(2000));
                        plain.add(name);
                    }
                    case 1 -> Files.createSymbolicLink(entry, outside);
                    case 2 -> Files.createDirectory(entry);
                    default -> {
                        try (RandomAccessFile file = new RandomAccessFile(entry.toFile(), "rw")) {
                            file.setLength(EventJson.MAX_EVENT_BYTES + 1 + data.consumeInt(0, 1 << 20));
                        }
                    }
                }
            }
            List<String> skipped = new ArrayList<>();
            SpoolReader reader = SpoolReader.open(base.resolve("spool"), skipped::add).orElseThrow();
            assertThat(reader.runs(base.resolve("spool").resolve("receiver"))).containsExactly(run);
            Optional<SpoolReader.Run> taken = reader.take(run);
            assertThat(taken).isPresent();
            try (SpoolReader.Run held = taken.get()) {
                List<String> events = held.events();
                assertThat(events).containsExactlyInAnyOrderElementsOf(plain);
                for (String name : events) {
                    byte[] bytes = held.read(name);
                    assertThat(bytes).isEqualTo(Files.readAllBytes(run.resolve(name)));
                    assertThat(new String(bytes, StandardCharsets.UTF_8)).isNotEqualTo(OUTSIDE);
                    try {
                        OutgoingEvent.fromSpool(bytes, data.consumeBoolean() ? HttpPayload.CLOUDEVENTS : HttpPayload.OCSF);
                    } catch (IOException notAnEvent) {
                        assertThat(notAnEvent.getMessage()).isNotBlank();
                    }
                }
            }
            assertThat(outside).hasContent(OUTSIDE);
        } finally {
            try (Stream<Path> all = Files.walk(base)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
