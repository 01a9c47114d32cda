package dev.cellrunner.spec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonPointer;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Whatever the bytes, the reader answers (never throws) and every problem names a well-formed pointer;
 * whatever the text, an egress host parses to a canonical form that parses to itself, or is refused.
 * {@code read} mutates raw bytes (syntax); {@code readEditedDocument} puts fuzzed values of every JSON
 * kind at known places of a valid document (schema and rules).
 *
 * <p>In {@code mvn verify} these run as regression tests over the seeds in
 * src/test/resources/dev/cellrunner/spec/CellSpecReaderFuzzTestInputs/METHOD (hand-made seeds and every
 * input Jazzer once found failing). To fuzz for real, one method at a time:
 * {@code JAZZER_FUZZ=1 mvn -B -pl cell-spec-schema -am test -Dtest='CellSpecReaderFuzzTest#read'
 * -Dsurefire.failIfNoSpecifiedTests=false}; a finding is written to that directory and stays a seed.
 */
class CellSpecReaderFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void read(byte[] input) {
        assertThatCode(() -> check(input)).doesNotThrowAnyException();
    }

    /** Every place a value can go in a document, so edits land where the schema and the rules look. */
    private static final List<String> PLACES = List.of(
            "/apiVersion", "/kind", "/spec", "/spec/id", "/spec/correlation", "/spec/correlation/platform",
            "/spec/correlation/labels", "/spec/correlation/labels/team", "/spec/authority",
            "/spec/authority/secretRefs", "/spec/authority/secretRefs/0", "/spec/authority/secretRefs/1",
            "/spec/authority/egressRules", "/spec/authority/egressRules/0", "/spec/authority/egressRules/0/host",
            "/spec/authority/egressRules/0/port", "/spec/authority/egressRules/0/protocol",
            "/spec/authority/egressRules/3", "/spec/authority/filesystem", "/spec/authority/filesystem/readOnly",
            "/spec/authority/filesystem/readOnly/0", "/spec/authority/filesystem/readWrite",
            "/spec/authority/filesystem/readWrite/1", "/spec/authority/filesystem/exec",
            "/spec/authority/syscalls", "/spec/authority/syscalls/deny", "/spec/authority/syscalls/deny/1",
            "/spec/lifetime", "/spec/lifetime/ttlSeconds", "/spec/run", "/spec/run/argv", "/spec/run/argv/0",
            "/spec/run/argv/2", "/spec/run/workingDirectory", "/spec/run/env", "/spec/run/env/CI",
            "/spec/run/env/NPM_TOKEN", "/spec/run/env/PATH", "/spec/run/secretDelivery", "/spec/run/timeoutMs",
            "/spec/run/user", "/spec/run/group", "/spec/run/limits", "/spec/run/limits/memoryMaxBytes",
            "/spec/run/limits/pidsMax", "/spec/run/limits/cpuMillicores", "/spec/run/limits/tempMaxBytes");

    /** The contract example with a few values replaced by fuzzed ones of any JSON kind, spliced in as text. */
    @FuzzTest(maxDuration = "60s")
    void readEditedDocument(FuzzedDataProvider data) {
        List<String> edits = new ArrayList<>();
        int count = data.consumeInt(1, 4);
        for (int i = 0; i < count; i++) {
            edits.add(data.pickValue(PLACES));
            edits.add(value(data));
        }
        assertThatCode(() -> check(Documents.edited(edits))).doesNotThrowAnyException();
    }

    private static String value(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 7)) {
            case 0:
                return Messages.quote(data.consumeString(300));
            case 1:
                return Long.toString(data.consumeLong());
            case 2:
                return data.consumeAsciiString(40); // numbers like 1e400 or 443.0, or broken JSON
            case 3:
                return "[" + Messages.quote(data.consumeString(100)) + "," + Messages.quote(data.consumeString(100)) + "]";
            case 4:
                return "{" + Messages.quote(data.consumeString(40)) + ":" + Messages.quote(data.consumeString(100)) + "}";
            case 5:
                return "{\"host\":" + Messages.quote(data.consumeString(60)) + ",\"port\":" + data.consumeInt() + "}";
            case 6:
                return data.pickValue(List.of("null", "true", "{}", "[]", "\"\"", "0", "-0", "1.0"));
            default:
                return Messages.quote(data.pickValue(List.of("PATH", "CI", "NPM_TOKEN", "/usr", "/etc", "/work/out",
                        "ptrace", "198.51.100.10", "::ffff:198.51.100.10", "tcp", "udp", "env", "none")));
        }
    }

    @FuzzTest(maxDuration = "60s")
    void egressHost(String text) {
        EgressHost host;
        try {
            host = EgressHost.parse(text);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(EgressHost.parse(host.toString())).isEqualTo(host);
        if (host instanceof EgressHost.IpPrefix prefix) {
            assertThat(prefix.prefixLength()).isBetween(1, prefix.isIpv4() ? 32 : 128);
            assertThat(EgressHost.LOCAL).noneMatch(prefix::overlaps);
        } else {
            assertThat(host.toString()).matches("[a-z0-9.-]{1,253}");
        }
    }

    private static void check(byte[] input) {
        SpecReadResult result = CellSpecReader.read(input);
        if (result instanceof SpecReadResult.Invalid invalid) {
            assertThat(invalid.problems()).isNotEmpty();
            for (SpecProblem problem : invalid.problems()) {
                assertThat(problem.pointer()).matches("(/([^~/]|~[01])*)*");
                JsonPointer.compile(problem.pointer());
                assertThat(problem.message()).isNotBlank().hasSizeLessThan(1000);
            }
        } else {
            assertThat(((SpecReadResult.Valid) result).specDigest()).startsWith("sha256:");
            try {
                DocumentBinderTest.assertBindsLikeJackson(input);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }
}
