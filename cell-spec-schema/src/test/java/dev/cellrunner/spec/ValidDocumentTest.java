package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.cellrunner.spec.Documents.edited;
import static dev.cellrunner.spec.Results.valid;
import static org.assertj.core.api.Assertions.assertThat;

class ValidDocumentTest {

    @Test
    void contractExampleIsValidAndEveryFieldArrives() {
        CellSpec spec = valid(Documents.corpus("valid-contract-example.json")).spec();

        assertThat(spec.id()).isEqualTo("build-42");
        assertThat(spec.correlation()).isEqualTo(new Correlation("gitlab", "981", Map.of("team", "infra")));
        assertThat(spec.authority().secretRefs()).containsExactly("NPM_TOKEN");
        assertThat(spec.authority().egressRules()).containsExactly(
                new EgressRule("198.51.100.10", 443, Protocol.TCP),
                new EgressRule("2001:db8::/64", 53, Protocol.UDP),
                new EgressRule("registry.example.org", 443, Protocol.TCP));
        assertThat(spec.authority().filesystem())
                .isEqualTo(new FilesystemAuthority(List.of("/usr", "/etc"), List.of("/work/out"), List.of()));
        assertThat(spec.authority().syscalls().deny()).containsExactly("ptrace");
        assertThat(spec.lifetime().ttlSeconds()).isEqualTo(600);
        Run run = spec.run();
        assertThat(run.argv()).containsExactly("/usr/bin/make", "test");
        assertThat(run.workingDirectory()).isEqualTo("/work");
        assertThat(run.env()).containsExactly(Map.entry("CI", "true"));
        assertThat(run.secretDelivery()).isEqualTo(SecretDelivery.ENV);
        assertThat(run.timeoutMs()).isEqualTo(300_000L);
        assertThat(run.limits()).isEqualTo(new Limits(2_147_483_648L, 256L, null));
    }

    @Test
    void specDigestIsTheSha256OfTheBytesAsRead() throws Exception {
        byte[] bytes = Documents.corpus("valid-contract-example.json");
        SpecReadResult.Valid result = (SpecReadResult.Valid) CellSpecReader.read(bytes);

        assertThat(result.specDigest()).isEqualTo(
                "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @Test
    void theEgressModeArrivesAndIsNullWhenTheDocumentDoesNotSayIt() {
        assertThat(valid(edited("/spec/authority/egressMode", "\"audit\"")).spec().authority().egressMode())
                .isEqualTo(EgressMode.AUDIT);
        assertThat(valid(edited("/spec/authority/egressMode", "\"enforce\"")).spec().authority().egressMode())
                .isEqualTo(EgressMode.ENFORCE);
        assertThat(valid(Documents.corpus("valid-contract-example.json")).spec().authority().egressMode()).isNull();
    }

    @Test
    void absentOptionalPartsGetTheirDefaults() {
        CellSpec spec = valid(Documents.corpus("valid-minimal.json")).spec();

        assertThat(spec.authority()).isEqualTo(Authority.NONE);
        assertThat(spec.correlation()).isNull();
        assertThat(spec.run().env()).isEmpty();
        assertThat(spec.run().secretDelivery()).as("absent means env").isEqualTo(SecretDelivery.ENV);
        assertThat(spec.run().limits()).isNull();
        assertThat(valid(edited("/spec/authority/egressRules/0/protocol", Documents.REMOVE))
                .spec().authority().egressRules().get(0).protocol()).isEqualTo(Protocol.TCP);
    }

    @Test
    void everyOptionalFieldAtItsBoundaryIsAccepted() {
        CellSpec spec = valid(Documents.corpus("valid-all-fields.json")).spec();

        assertThat(spec.run().user()).isEqualTo("65534");
        assertThat(spec.run().group()).isEqualTo("nogroup");
        assertThat(spec.run().secretDelivery()).isEqualTo(SecretDelivery.NONE);
        assertThat(spec.run().limits()).isEqualTo(new Limits(1_048_576L, 1L, 500L, 1_048_576L));
        assertThat(spec.authority().filesystem().exec()).containsExactly("/usr/bin", "/bin");
        assertThat(spec.correlation().labels()).containsEntry("app.kubernetes.io/name", "build");
    }

    @Test
    void argvPassesThroughUntouched() {
        List<String> argv = valid(Documents.corpus("argv-newlines-metachar.json")).spec().run().argv();

        assertThat(argv).containsExactly("/bin/echo", "line1\nline2", "$(id)", "`id`", "; rm -rf / #",
                "&& true || false", "'\"\\", "*", "$HOME", "a\tb", "\u00e9\u4e2d\uD83D\uDE00", "");
    }

    @Test
    void namesAreCaseSensitiveSoALowerCaseEnvVariableIsNotASecretCollision() {
        valid(edited("/spec/run/env", "{\"npm_token\": \"x\"}"));
    }

    @Test
    void oneHostMayBeDeclaredForTcpAndUdp() {
        valid(edited("/spec/authority/egressRules/3", "{\"host\": \"198.51.100.10\", \"port\": 443, \"protocol\": \"udp\"}"));
    }

    @Test
    void aUtf8ByteOrderMarkIsTolerated() {
        byte[] document = Documents.corpus("valid-minimal.json");
        byte[] withBom = new byte[document.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(document, 0, withBom, 3, document.length);

        valid(withBom);
    }

    @Test
    void everyBundledExampleIsValid() throws IOException {
        try (Stream<Path> examples = Files.list(Path.of("..", "examples"))) {
            List<Path> files = examples.filter(p -> p.toString().endsWith(".json")).toList();
            assertThat(files).isNotEmpty();
            for (Path file : files) {
                valid(Files.readAllBytes(file));
            }
        }
    }
}
