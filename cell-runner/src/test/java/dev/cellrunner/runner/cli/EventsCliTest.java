package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Ed25519Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * keygen, run --signing-key / CellOS variables, verify and sink failures, driven like a user: the CLI
 * runs in its own JVM (Main, on this module's classpath) with its own environment.
 */
class EventsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path spec;

    record Result(int status, String out, String err) {
    }

    @BeforeEach
    void writeSpec() throws IOException {
        spec = Files.writeString(dir.resolve("cell.json"), """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "events-cli", "lifetime": {"ttlSeconds": 30},
                          "run": {"argv": ["/bin/echo", "hi"]}}}
                """);
    }

    private Result cli(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CELLOS_") || k.startsWith("CELL_OS_"));
        builder.environment().put("XDG_STATE_HOME", dir.resolve("state").toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    private Result cli(String... args) throws Exception {
        return cli(Map.of(), args);
    }

    private Path keys() throws Exception {
        Path keys = dir.resolve("keys");
        assertThat(cli("keygen", "--out", keys.toString()).status()).isZero();
        return keys;
    }

    private Path signedTrail(Path keys) throws Exception {
        Path trail = dir.resolve("trail.jsonl");
        Result run = cli("run", spec.toString(), "--events", "jsonl:" + trail,
                "--signing-key", keys.resolve("event-signing.key").toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("fresh key");
        return trail;
    }

    private Result verify(Path keys, List<String> lines) throws Exception {
        Path copy = Files.write(dir.resolve("copy.jsonl"), lines);
        return cli("verify", "--key", keys.resolve("event-signing.pub").toString(), copy.toString());
    }

    @Test
    void keygenWritesAPrivateKeyOnlyTheOwnerCanReadAndNeverOverwrites() throws Exception {
        Path keys = dir.resolve("keys");
        Result first = cli("keygen", "--out", keys.toString());
        assertThat(first.status()).isZero();
        assertThat(first.out()).contains("key id");
        Path privateKey = keys.resolve("event-signing.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey))).isEqualTo("rw-------");
        assertThat(Files.readString(keys.resolve("event-signing.pub"))).startsWith("-----BEGIN PUBLIC KEY-----");
        String before = Files.readString(privateKey);
        Result again = cli("keygen", "--out", keys.toString());
        assertThat(again.status()).isEqualTo(73);
        assertThat(again.err()).contains("exists; not replacing");
        assertThat(Files.readString(privateKey)).isEqualTo(before);
    }

    @Test
    void aRunSignedWithAKeyVerifiesAndEveryKindOfTamperingIsNamed() throws Exception {
        Path keys = keys();
        List<String> lines = Files.readAllLines(signedTrail(keys));
        assertThat(lines).hasSize(6);
        JsonNode started = JSON.readTree(lines.get(0)).get("data");
        assertThat(started.get("signingKeyEphemeral").asBoolean()).isFalse();
        assertThat(cli("keygen", "--help").status()).isZero();

        Result ok = verify(keys, lines);
        assertThat(ok.status()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("ok, 6 events, chain intact");

        List<String> tampered = new ArrayList<>(lines);
        tampered.set(4, tampered.get(4).replace("\"exitCode\":0", "\"exitCode\":1"));
        assertThat(verify(keys, tampered)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.out()).contains("seq 4").contains("bad signature");
        });

        List<String> reordered = new ArrayList<>(lines);
        Collections.swap(reordered, 2, 3);
        assertThat(verify(keys, reordered).out()).contains("reorder");

        List<String> duplicated = new ArrayList<>(lines);
        duplicated.add(2, lines.get(1));
        assertThat(verify(keys, duplicated)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.out()).contains("duplicate");
        });

        List<String> gap = new ArrayList<>(lines);
        gap.remove(3);
        assertThat(verify(keys, gap).out()).contains("gap: seq 3 missing");

        Result truncated = verify(keys, lines.subList(0, 5));
        assertThat(truncated.status()).isEqualTo(2);
        assertThat(truncated.out()).contains("INCOMPLETE: no destroyed event");

        Path cut = dir.resolve("cut.jsonl");
        Files.writeString(cut, String.join("\n", lines.subList(0, 5)) + "\n" + lines.get(5).substring(0, 200));
        Result killed = cli("verify", "--key", keys.resolve("event-signing.pub").toString(), cut.toString());
        assertThat(killed.status()).as(killed.out()).isEqualTo(2);
        assertThat(killed.out()).doesNotContain("BAD");

        Result otherKey = cli("verify", "--key", keygenElsewhere().toString(), dir.resolve("trail.jsonl").toString());
        assertThat(otherKey.status()).isEqualTo(1);
        assertThat(otherKey.out()).contains("unknown key");
    }

    private Path keygenElsewhere() throws Exception {
        Path other = dir.resolve("other-keys");
        assertThat(cli("keygen", "--out", other.toString()).status()).isZero();
        return other.resolve("event-signing.pub");
    }

    @Test
    void aReSerialisedTrailStillVerifies() throws Exception {
        Path keys = keys();
        ObjectMapper pretty = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        List<String> rewritten = new ArrayList<>();
        for (String line : Files.readAllLines(signedTrail(keys))) {
            ObjectNode event = (ObjectNode) JSON.readTree(line);
            Map<String, Object> sorted = pretty.convertValue(event, HashMap.class);
            rewritten.add(pretty.writerWithDefaultPrettyPrinter().writeValueAsString(sorted).replace("\n", " "));
        }
        assertThat(rewritten.get(0)).matches("\\{\\s+\"cellid\".*");
        Result result = verify(keys, rewritten);
        assertThat(result.status()).as(result.out()).isZero();
    }

    @Test
    void withoutAKeyTheRunSaysSoAndVerifyChecksIntegrityAgainstThePublishedKey() throws Exception {
        Path trail = dir.resolve("ephemeral.jsonl");
        Result run = cli("run", spec.toString(), "--events", "jsonl:" + trail);
        assertThat(run.status()).isZero();
        assertThat(run.err()).contains("fresh key for this run only").contains("integrity, not origin");
        JsonNode started = JSON.readTree(Files.readAllLines(trail).get(0)).get("data");
        assertThat(started.get("signingKeyEphemeral").asBoolean()).isTrue();
        assertThat(started.get("signingPublicKey").asText()).hasSize(43);
        Result verify = cli("verify", trail.toString());
        assertThat(verify.status()).as("intact, origin not proven").isEqualTo(VerifyCommand.ORIGIN_NOT_PROVEN);
        assertThat(verify.out()).contains("published by the run itself: intact, origin not proven");
    }

    @Test
    void theCellOsVariablesSignWithTheGivenSeedAndNeverEchoIt() throws Exception {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(seed);
        Ed25519Key key = Ed25519Key.fromSeed(seed);
        Path trail = dir.resolve("cellos.jsonl");
        Result run = cli(Map.of("CELLOS_EVENT_SIGNING_KEY_BASE64", encoded, "CELLOS_EVENT_SIGNING_KID", "ci-key-1"),
                "run", spec.toString(), "--events", "jsonl:" + trail);
        assertThat(run.status()).as(run.err()).isZero();
        JsonNode started = JSON.readTree(Files.readAllLines(trail).get(0)).get("data");
        assertThat(started.get("signingKeyId").asText()).isEqualTo(key.keyId());
        assertThat(started.get("signingKeyLabel").asText()).isEqualTo("ci-key-1");
        Path pub = Files.writeString(dir.resolve("ci.pub"), key.publicKey().base64Url());
        assertThat(cli("verify", "--key", pub.toString(), trail.toString()).status()).isZero();
        String content = Files.readString(trail);
        assertThat(content).doesNotContain(encoded);

        String shortSeed = Base64.getUrlEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        Result bad = cli(Map.of("CELLOS_EVENT_SIGNING_KEY_BASE64", shortSeed),
                "run", spec.toString(), "--events", "jsonl:" + dir.resolve("never.jsonl"));
        assertThat(bad.status()).isEqualTo(64);
        assertThat(bad.err()).contains("raw 32-byte Ed25519 seed").doesNotContain(shortSeed);
        assertThat(dir.resolve("never.jsonl")).doesNotExist();
    }

    @Test
    void aDeviceAsSinkIsRefusedWith64BeforeTheCommandRuns() throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "SKIP: /dev/full is not available here");
        Path marker = dir.resolve("ran");
        Files.writeString(spec, """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "full-disk", "lifetime": {"ttlSeconds": 30},
                          "run": {"argv": ["/usr/bin/touch", "%s"]}}}
                """.formatted(marker));
        Result run = cli("run", spec.toString(), "--events", "jsonl:/dev/full");
        assertThat(run.status()).isEqualTo(64);
        assertThat(run.err()).contains("jsonl:/dev/full is a character device");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aReadOnlyDirectoryIsAVisibleSinkFailure() throws Exception {
        Path readOnly = Files.createDirectories(dir.resolve("ro"));
        Process chattr = new ProcessBuilder("chattr", "+i", readOnly.toString()).redirectErrorStream(true).start();
        String why = new String(chattr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(chattr.waitFor() == 0, "SKIP: cannot make a directory immutable here (" + why.strip() + ")");
        try {
            assumeTrue(!canCreateIn(readOnly), "SKIP: the immutable directory still takes new files");
            Result alone = cli("run", spec.toString(), "--events", "jsonl:" + readOnly.resolve("trail.jsonl"));
            assertThat(alone.status()).isEqualTo(74);
            assertThat(alone.err()).contains(readOnly.resolve("trail.jsonl").toString()).contains("cannot open for append");

            Path good = dir.resolve("good.jsonl");
            Result withAnother = cli("run", spec.toString(), "--events", "jsonl:" + readOnly.resolve("trail.jsonl"),
                    "--events", "jsonl:" + good);
            assertThat(withAnother.status()).as("one sink can still take the events").isZero();
            assertThat(withAnother.err()).contains("event sink failed");
            assertThat(cli("verify", good.toString()).status()).isEqualTo(VerifyCommand.ORIGIN_NOT_PROVEN);
        } finally {
            new ProcessBuilder("chattr", "-i", readOnly.toString()).start().waitFor();
        }
    }

    @Test
    void httpEventsThatCannotBeDeliveredAreSpooledAndFlushedLater() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/events";
        Path spool = dir.resolve("spool");
        Result run = cli("run", spec.toString(), "--events", url, "--events-mode", "batch",
                "--spool-dir", spool.toString(), "--events-grace-ms", "1000", "--events-timeout-ms", "300");
        assertThat(run.status()).as("the events are kept, so the run itself succeeds").isZero();
        assertThat(run.err()).contains("6 event(s) not delivered").contains("cell-runner flush");
        assertThat(cli("flush", "--events", url, "--spool-dir", spool.toString(), "--events-grace-ms", "500").status())
                .as("receiver still down").isEqualTo(75);

        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/events", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            Result flush = cli("flush", "--events", url, "--spool-dir", spool.toString());
            assertThat(flush.status()).as(flush.err()).isZero();
            assertThat(flush.out()).contains("delivered 6, still spooled 0");
            assertThat(cli("flush", "--events", url, "--spool-dir", spool.toString()).out())
                    .contains("delivered 0, still spooled 0");
        } finally {
            receiver.stop(0);
        }
        Path trail = Files.write(dir.resolve("received.jsonl"), received);
        Result verify = cli("verify", trail.toString());
        assertThat(verify.status()).as(verify.out()).isEqualTo(VerifyCommand.ORIGIN_NOT_PROVEN);
    }

    private static boolean canCreateIn(Path dir) {
        try {
            Files.delete(Files.createFile(dir.resolve("probe")));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
