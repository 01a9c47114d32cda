package dev.cellrunner.runner.confine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class TempDirLeftoversTest {
    private static final long DEAD = 4_000_001;

    @TempDir
    Path base;

    @Test
    void onlyTheTempDirsOfDeadRunnersGoAndLinksPlantedInThemAreNotFollowed() throws Exception {
        Path outside = Files.writeString(base.resolveSibling(base.getFileName() + "-outside.txt"), "keep me");
        Path dead = Files.createDirectory(base.resolve(TempDirLeftovers.name(DEAD, UUID.randomUUID())));
        Files.writeString(dead.resolve("work.txt"), "left by the cell");
        Files.createSymbolicLink(dead.resolve("link"), outside);
        Path live = Files.createDirectory(base.resolve(TempDirLeftovers.name(ProcessHandle.current().pid(), UUID.randomUUID())));
        Path oldStyle = Files.createDirectory(base.resolve("cell-" + UUID.randomUUID()));
        try {
            assertThat(TempDirLeftovers.collect(base, pid -> pid != DEAD)).containsExactly("removed temp dir " + dead);

            assertThat(dead).doesNotExist();
            assertThat(outside).hasContent("keep me");
            assertThat(live).isDirectory();
            assertThat(oldStyle).as("a name without a runner PID cannot be attributed: left alone").isDirectory();
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void aMissingBaseIsNothingToDo() {
        assertThat(TempDirLeftovers.collect(base.resolve("absent"), pid -> false)).isEmpty();
    }
}
