package dev.cellrunner.runner.cell;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CellHostnameTest {
    @Test
    void aCellIdBecomesAValidHostname() {
        assertThat(CellHostname.of("build-42")).isEqualTo("build-42");
        assertThat(CellHostname.of("Test_Cell.one")).isEqualTo("test-cell.one");
        assertThat(CellHostname.of("--a  b--")).isEqualTo("a-b");
        assertThat(CellHostname.of("__")).isEqualTo("cell");
        assertThat(CellHostname.of("a..b")).isEqualTo("a.b");
        assertThat(CellHostname.of("x".repeat(200))).hasSize(63);
        assertThat(CellHostname.of(("y".repeat(40) + ".").repeat(4))).hasSizeLessThanOrEqualTo(CellHostname.MAX_LENGTH)
                .matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    }
}
