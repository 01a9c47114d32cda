package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class AuthorityRulesTest {
    @Test
    void unknownDeniedNameIsASpecProblemWithItsPointer() {
        SpecReadResult result = CellSpecReader.read(document("[\"ptrace\", \"ptrac\"]"));
        assertThat(result).isInstanceOf(SpecReadResult.Invalid.class);
        assertThat(((SpecReadResult.Invalid) result).problems()).singleElement().satisfies(problem -> {
            assertThat(problem.pointer()).isEqualTo("/spec/authority/syscalls/deny/1");
            assertThat(problem.message()).contains("ptrac");
        });
    }

    @Test
    void knownDeniedNamesAreValid() {
        assertThat(CellSpecReader.read(document("[\"ptrace\", \"chmod\"]"))).isInstanceOf(SpecReadResult.Valid.class);
    }

    @Test
    void filesystemPathsMustBeAbsoluteAndPlain() {
        String document = "{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"x\","
                + "\"authority\":{\"filesystem\":{\"readOnly\":[\"/usr\",\"etc\"],\"readWrite\":[\"/work/../etc\"]}},"
                + "\"lifetime\":{\"ttlSeconds\":5},\"run\":{\"argv\":[\"/bin/true\"]}}}";
        SpecReadResult result = CellSpecReader.read(document.getBytes(StandardCharsets.UTF_8));
        assertThat(((SpecReadResult.Invalid) result).problems()).extracting(SpecProblem::pointer)
                .containsExactly("/spec/authority/filesystem/readOnly/1", "/spec/authority/filesystem/readWrite/0");
    }

    private static byte[] document(String deny) {
        return ("{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"x\","
                + "\"authority\":{\"syscalls\":{\"deny\":" + deny + "}},\"lifetime\":{\"ttlSeconds\":5},"
                + "\"run\":{\"argv\":[\"/bin/true\"]}}}").getBytes(StandardCharsets.UTF_8);
    }
}
