package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LinuxSyscallsTest {
    @Test
    void knowsTheX8664Numbers() {
        assertThat(LinuxSyscalls.number("read")).hasValue(0);
        assertThat(LinuxSyscalls.number("ptrace")).hasValue(101);
        assertThat(LinuxSyscalls.number("clone3")).hasValue(435);
        assertThat(LinuxSyscalls.number("io_uring_setup")).hasValue(425);
        assertThat(LinuxSyscalls.number("file_setattr")).hasValue(469);
        assertThat(LinuxSyscalls.number("sys_ptrace")).isEmpty();
    }

    @Test
    void numbersAreUnique() {
        assertThat(LinuxSyscalls.all().values()).doesNotHaveDuplicates();
    }

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

    private static byte[] document(String deny) {
        return ("{\"apiVersion\":\"cellos.io/v1\",\"kind\":\"ExecutionCell\",\"spec\":{\"id\":\"x\","
                + "\"authority\":{\"syscalls\":{\"deny\":" + deny + "}},\"lifetime\":{\"ttlSeconds\":5},"
                + "\"run\":{\"argv\":[\"/bin/true\"]}}}").getBytes(StandardCharsets.UTF_8);
    }
}
