package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;

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
}
