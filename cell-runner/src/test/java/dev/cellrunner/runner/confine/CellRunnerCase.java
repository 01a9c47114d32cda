package dev.cellrunner.runner.confine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real-kernel test that drives bin/cell-runner from a scratch directory of its own. */
abstract class CellRunnerCase {
    protected CellRunnerCli cli;

    @BeforeEach
    void openScratch() throws Exception {
        cli = new CellRunnerCli();
    }

    @AfterEach
    void removeScratch() throws Exception {
        cli.close();
    }

    /** The probe interpreter: perl's syscall() and socket() reach any call without a compiler. */
    static Path perl() {
        Path perl = Path.of("/usr/bin/perl");
        assumeTrue(Files.isExecutable(perl), "SKIP: /usr/bin/perl is missing (Debian's Essential perl-base has it)");
        return perl;
    }
}
