package dev.cellrunner.runner.mount;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.spec.FilesystemAuthority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MountPlannerTest {
    @TempDir
    Path dir;

    @Test
    void declaredPathsAreBoundAtTheirRealPathReadWriteWinningAndTheHostRootProcAndDevAreNot() throws Exception {
        Path out = Files.createDirectory(dir.resolve("out"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), out);
        FilesystemAuthority fs = new FilesystemAuthority(List.of("/", "/proc", "/dev/null", out.toString()),
                List.of(link.toString()), List.of());

        MountPlan plan = MountPlanner.plan(fs, List.of(), Path.of("/bin/true"), Set.of(), 1L << 30, "default");

        assertThat(plan.declared()).singleElement().satisfies(mount -> {
            assertThat(mount.planned()).isEqualTo(out.toRealPath());
            assertThat(mount.declared()).isEqualTo(link.toString());
            assertThat(mount.access()).isEqualTo(MountPlan.Access.READ_WRITE);
            assertThat(mount.index()).isZero();
        });
    }

    @Test
    void aDeclaredPathThatDoesNotExistIsRefused() {
        FilesystemAuthority fs = new FilesystemAuthority(List.of(), List.of(dir.resolve("absent").toString()), List.of());
        assertThatThrownBy(() -> MountPlanner.plan(fs, List.of(), Path.of("/bin/true"), Set.of(), 1, "default"))
                .isInstanceOf(Refusal.class).hasMessageContaining("does not exist");
    }

    @Test
    void privatePathsAreKeptAtTheirRealPathsWhetherOrNotTheyExist() throws Exception {
        Path real = Files.createDirectory(dir.resolve("state"));
        Path viaLink = Files.createSymbolicLink(dir.resolve("state-link"), real);
        MountPlan plan = MountPlanner.plan(null, List.of(viaLink, dir.resolve("later.jsonl")), Path.of("/bin/true"),
                Set.of(), 1, "default");
        assertThat(plan.privatePaths()).containsExactly(real.toRealPath(), dir.resolve("later.jsonl"));
    }

    @Test
    void readWriteOnOrAroundARunnerPrivatePathIsRefused() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state/slots"));
        for (Path declared : List.of(dir.resolve("state"), state, dir)) {
            FilesystemAuthority fs = new FilesystemAuthority(List.of(), List.of(declared.toString()), List.of());
            assertThatThrownBy(() -> MountPlanner.plan(fs, List.of(dir.resolve("state")), Path.of("/bin/true"), Set.of(),
                    1, "default")).as("readWrite %s", declared).isInstanceOf(Refusal.class)
                    .hasMessageContaining("authority.filesystem.readWrite").hasMessageContaining("runner's own");
        }
        FilesystemAuthority readOnly = new FilesystemAuthority(List.of(dir.toString()), List.of(), List.of());
        assertThat(MountPlanner.plan(readOnly, List.of(dir.resolve("state")), Path.of("/bin/true"), Set.of(), 1,
                "default").declared()).as("read-only around it: bound, and the private path masked").hasSize(1);
    }

    @Test
    void providedFilesReplaceOneAnother() {
        MountPlan plan = new MountPlan(1, "default", Path.of("/bin/true"), List.of(), List.of(), List.of(), Set.of())
                .withProvided(MountPlan.ProvidedFile.text("/etc/hosts", "a\n"))
                .withProvided(MountPlan.ProvidedFile.text("/etc/hosts", "b\n"));
        assertThat(plan.provided()).singleElement().satisfies(file -> assertThat(new String(file.content())).isEqualTo("b\n"));
    }
}
