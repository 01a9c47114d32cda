package dev.cellrunner.events.http;

import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.TestRunsAccess;
import dev.cellrunner.events.TrailVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A receiver built on the CloudEvents JavaScript SDK (npm {@code cloudevents} 10, {@code HTTP.toEvent}),
 * installed with npm under target/ and started as a Node process, takes what each HTTP mode sends; the
 * events as the SDK parsed them still verify (every attribute, extension and the data came through).
 */
class JsSdkReceiverTest {
    private static final SigningKey KEY = TestRunsAccess.fixedKey();
    private static final Path HOME = Path.of("target", "sdk-receivers", "js").toAbsolutePath();

    private static Process receiver;
    private static int port;

    @TempDir
    Path dir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void installAndStart() throws Exception {
        assumeTrue(onPath("npm") && onPath("node"),
                "npm and node are not installed here (scripts/install-deps.sh installs them): "
                        + "the JavaScript SDK receiver cannot be installed");
        Files.createDirectories(HOME);
        for (String file : List.of("package.json", "receiver.js")) {
            try (InputStream in = JsSdkReceiverTest.class.getResourceAsStream("/sdk-receivers/js/" + file)) {
                Files.copy(in, HOME.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (!Files.isDirectory(HOME.resolve("node_modules/cloudevents"))) {
            Process npm = new ProcessBuilder("npm", "install", "--prefer-offline", "--no-audit", "--no-fund")
                    .directory(HOME.toFile()).redirectErrorStream(true).start();
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(npm.exitValue()).as("npm install: " + output).isZero();
        }
        receiver = new ProcessBuilder("node", "receiver.js", HOME.resolve("accepted.jsonl").toString())
                .directory(HOME.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the receiver's first line").startsWith("listening ");
        port = Integer.parseInt(line.substring("listening ".length()).trim());
    }

    @AfterAll
    static void stop() throws Exception {
        if (receiver != null) {
            receiver.getOutputStream().close();
            if (!receiver.waitFor(5, TimeUnit.SECONDS)) {
                receiver.destroyForcibly().waitFor();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(HttpMode.class)
    void theJavaScriptSdkAcceptsEveryModeAndItsEventsStillVerify(HttpMode mode) throws Exception {
        Path accepted = HOME.resolve("accepted.jsonl");
        Path rejected = HOME.resolve("accepted.jsonl.rejected");
        Files.deleteIfExists(accepted);
        Files.deleteIfExists(rejected);
        HttpSinkSettings settings = HttpSinkSettings.defaults(URI.create("http://127.0.0.1:" + port + "/events"),
                        mode, dir.resolve("spool"))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20))
                .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(10));
        try (EventTrail trail = TestRunsAccess.trail(KEY, new HttpSink(settings, warnings::add))) {
            TestRunsAccess.emitRun(trail, 4);
            trail.sync();
        }
        assertThat(rejected).as("requests the SDK rejected").doesNotExist();
        assertThat(warnings).isEmpty();
        TrailVerifier verifier = new TrailVerifier(List.of(KEY.publicKey()));
        try (InputStream in = Files.newInputStream(accepted)) {
            verifier.read("as the JavaScript SDK parsed them", in);
        }
        assertThat(verifier.problems()).isEmpty();
        assertThat(verifier.verdicts()).singleElement().satisfies(v -> {
            assertThat(v.status()).as(v.line()).isEqualTo(RunVerdict.Status.OK);
            assertThat(v.events()).isEqualTo(6);
        });
    }

    /** The header cell-runner used to send: proof that this receiver is as strict as users found it. */
    @Test
    void theSdkRejectsAnUppercaseCharsetParameter() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/events"))
                .header("Content-Type", "application/cloudevents+json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/x\",\"type\":\"t\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("invalid content type");
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
