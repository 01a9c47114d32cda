package dev.cellrunner.spec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonPointer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Whatever the bytes, the reader answers (never throws) and every problem names a well-formed pointer;
 * whatever the text, an egress host parses to a canonical form that parses to itself, or is refused.
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
        }
    }
}
