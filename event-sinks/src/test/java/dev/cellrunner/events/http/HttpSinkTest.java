package dev.cellrunner.events.http;

import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.events.TestRunsAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpSinkTest {
    private static final SigningKey KEY = TestRunsAccess.fixedKey();
    private static final int MIDDLE = 4;
    private static final int EVENTS = MIDDLE + 2;

    @TempDir
    Path dir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private HttpSinkSettings settings(URI endpoint, HttpMode mode) {
        return HttpSinkSettings.defaults(endpoint, mode, dir.resolve("spool"))
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(3))
                .withRetries(4, Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(5));
    }

    /** One complete run through a trail whose only sink is an HTTP sink; returns the seconds it took. */
    private double run(HttpSinkSettings settings) throws SinkException {
        long start = System.nanoTime();
        try (EventTrail trail = TestRunsAccess.trail(KEY, new HttpSink(settings, warnings::add))) {
            TestRunsAccess.emitRun(trail, MIDDLE);
            trail.sync();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private long spooled() throws IOException {
        Path spool = dir.resolve("spool");
        if (!Files.exists(spool)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(spool)) {
            return files.filter(f -> f.toString().endsWith(Spool.SUFFIX)).count();
        }
    }

    private static void assertCompleteAndSigned(TestReceiver receiver) throws IOException {
        assertThat(receiver.signatureFailures).isEmpty();
        TrailVerifier verifier = receiver.verifyAccepted();
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).singleElement().satisfies(v -> {
            assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK);
            assertThat(v.events()).isEqualTo(EVENTS);
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @ParameterizedTest
    @EnumSource(HttpMode.class)
    void eachModeDeliversEveryEventSignedAndInOrder(HttpMode mode) throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            run(settings(receiver.uri("http"), mode));
            assertCompleteAndSigned(receiver);
            assertThat(receiver.requests).allSatisfy(r -> assertThat(r.contentType()).startsWith(switch (mode) {
                case STRUCTURED -> "application/cloudevents+json";
                case BATCH -> "application/cloudevents-batch+json";
                case BINARY -> "application/json";
            }));
        }
        assertThat(spooled()).isZero();
        assertThat(warnings).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(HttpMode.class)
    void aReceiverDownForTheWholeRunGetsEverythingFromTheSpoolLater(HttpMode mode) throws Exception {
        int port = freePort();
        HttpSinkSettings settings = settings(URI.create("http://127.0.0.1:" + port + "/events"), mode)
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1));
        double seconds = run(settings);
        assertThat(seconds).as("bounded by the grace time (1 s), not by retries").isLessThan(6);
        assertThat(spooled()).isEqualTo(EVENTS);
        assertThat(warnings).singleElement().asString().contains(EVENTS + " event(s) not delivered")
                .contains("cell-runner flush");
        try (TestReceiver receiver = TestReceiver.start(port, KEY.publicKey())) {
            SpoolFlusher.Report report = new SpoolFlusher(settings).flush();
            assertThat(report.delivered()).isEqualTo(EVENTS);
            assertThat(report.kept()).isZero();
            assertCompleteAndSigned(receiver);
        }
        assertThat(spooled()).isZero();
        try (Stream<Path> left = Files.list(Spool.receiverDir(dir.resolve("spool"), settings))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("receiver.txt");
        }
    }

    @Test
    void aServerErrorIsRetriedUntilAccepted() throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            receiver.then(new TestReceiver.Reply(500, null, 0)).then(new TestReceiver.Reply(503, null, 0));
            run(settings(receiver.uri("http"), HttpMode.STRUCTURED));
            assertCompleteAndSigned(receiver);
            assertThat(receiver.requests).extracting(TestReceiver.Request::status).startsWith(500, 503, 202)
                    .hasSize(EVENTS + 2);
        }
        assertThat(spooled()).isZero();
    }

    @Test
    void tooManyRequestsWaitsAsLongAsRetryAfterSays() throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            receiver.then(new TestReceiver.Reply(429, "1", 0));
            run(settings(receiver.uri("http"), HttpMode.BATCH));
            assertCompleteAndSigned(receiver);
            long waited = receiver.requests.get(1).atNanos() - receiver.requests.get(0).atNanos();
            assertThat(TimeUnit.NANOSECONDS.toMillis(waited)).isGreaterThanOrEqualTo(950);
        }
    }

    @Test
    void aReceiverSlowerThanTheTimeoutIsRetriedAndTheRunStaysBounded() throws Exception {
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            receiver.then(new TestReceiver.Reply(503, null, 1500));
            run(settings(receiver.uri("http"), HttpMode.STRUCTURED));
            assertCompleteAndSigned(receiver);
        }
        try (TestReceiver stuck = TestReceiver.start(0, KEY.publicKey())) {
            for (int i = 0; i < 50; i++) {
                stuck.then(new TestReceiver.Reply(202, null, 5000));
            }
            HttpSinkSettings settings = settings(stuck.uri("http"), HttpMode.STRUCTURED)
                    .withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(1));
            double seconds = run(settings);
            assertThat(seconds).as("the grace time (1 s) bounds the wait, not 6 x 5 s replies").isLessThan(6);
            assertThat(spooled()).isEqualTo(EVENTS);
        }
    }

    @Test
    void aClientErrorIsPermanentReportedAndNothingIsLost() throws Exception {
        HttpSinkSettings settings;
        try (TestReceiver receiver = TestReceiver.start(0, KEY.publicKey())) {
            receiver.then(new TestReceiver.Reply(400, null, 0));
            settings = settings(receiver.uri("http"), HttpMode.STRUCTURED);
            run(settings);
            assertThat(receiver.requests).hasSize(1);
        }
        assertThat(warnings).singleElement().asString().contains("HTTP 400").contains("not delivered");
        assertThat(spooled()).isEqualTo(EVENTS);
    }

    @Test
    void tlsWithASelfSignedCertificateTrustedByOption() throws Exception {
        Path keystore = dir.resolve("receiver.p12");
        Path pem = dir.resolve("receiver.pem");
        keytool("-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "receiver", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", pem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keys.getKeyManagers(), null, null);
        try (TestReceiver receiver = TestReceiver.startTls(serverTls, KEY.publicKey())) {
            HttpSinkSettings untrusted = settings(receiver.uri("https"), HttpMode.STRUCTURED)
                    .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10))
                    .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(10));
            run(untrusted);
            assertThat(receiver.accepted).as("the default trust store does not know the certificate").isEmpty();
            assertThat(warnings).singleElement().asString().contains("SSLHandshakeException");
            assertThat(spooled()).isEqualTo(EVENTS);

            HttpSinkSettings trusted = settings(receiver.uri("https"), HttpMode.STRUCTURED)
                    .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20))
                    .withTls(TrustedCertificates.fromPem(pem));
            assertThat(new SpoolFlusher(trusted).flush().delivered()).isEqualTo(EVENTS);
            assertCompleteAndSigned(receiver);
        }
    }

    @Test
    void anUnusableSpoolDirectoryFailsTheSinkAtOnce() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        HttpSinkSettings settings = HttpSinkSettings.defaults(URI.create("http://127.0.0.1:9/events"),
                HttpMode.STRUCTURED, file.resolve("spool"));
        assertThatThrownBy(() -> new HttpSink(settings, warnings::add)).isInstanceOf(SinkException.class)
                .hasMessageContaining("cannot use the spool directory");
    }

    @Test
    void credentialsInTheUrlNeverAppearInMessages() {
        HttpSinkSettings settings = HttpSinkSettings.defaults(
                URI.create("https://user:hunter2@127.0.0.1:8443/events?token=s3cret"), HttpMode.STRUCTURED, dir);
        assertThat(settings.describe()).doesNotContain("hunter2").doesNotContain("s3cret")
                .contains("127.0.0.1:8443/events");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
    }
}
