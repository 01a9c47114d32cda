package dev.cellrunner.runner.mount;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The compiled mount program against golden files: what a cell's mount view is made of, in order. */
class MountProgramTest {
    private static final MountPlan PLAN = new MountPlan(1L << 30, "default", Path.of("/opt/cell-runner/cell-init"),
            List.of(new MountPlan.DeclaredMount(0, "/work/out", Path.of("/work/out"), MountPlan.Access.READ_WRITE,
                            "authority.filesystem.readWrite"),
                    new MountPlan.DeclaredMount(1, "/tmp/inputs", Path.of("/tmp/inputs"), MountPlan.Access.READ_ONLY,
                            "authority.filesystem.readOnly")),
            List.of(Path.of("/var/log/runner/events.jsonl"), Path.of("/run/cell-runner")),
            List.of(MountPlan.ProvidedFile.text("/etc/resolv.conf", "nameserver 198.51.100.53\n")),
            Set.of("/var/tmp"));

    @Test
    void theProgramForADocumentWithDeclaredPathsAProvidedFileAndPrivatePaths() throws IOException {
        assertThat(describe(MountProgram.compile(PLAN))).isEqualTo(golden("program.txt"));
    }

    @Test
    void theCellsProcIsMountedOnceItsPid1Exists() throws IOException {
        assertThat(describe(MountProgram.compileProc())).isEqualTo(golden("proc.txt"));
    }

    @Test
    void withoutVarTmpOrVarRunOnTheHostNothingIsMountedThere() {
        MountPlan bare = new MountPlan(1L << 20, "document", Path.of("/opt/cell-init"), List.of(), List.of(), List.of(),
                Set.of());
        assertThat(describe(MountProgram.compile(bare))).doesNotContain("/var/tmp", "/var/run")
                .contains("tmpfs scratch:/temp size=1048576 mode=755 nosuid,nodev");
    }

    @Test
    void theHostTreeIsReadOnlyBeforeAnythingIsMountedIntoItAndThePivotComesLast() {
        List<MountOp> ops = MountProgram.compile(PLAN);
        assertThat(ops.get(0)).isInstanceOf(MountOp.StageRoot.class);
        assertThat(ops.get(1)).isEqualTo(new MountOp.SetAttributes(MountOp.At.cell("/"), MountAttributes.RO
                | MountAttributes.NOSUID | MountAttributes.NODEV, 0, true));
        assertThat(ops.get(ops.size() - 1)).isInstanceOf(MountOp.PivotRoot.class);
        int lastDeclared = indexOfLast(ops, MountOp.BindDeclared.class);
        int firstMask = ops.indexOf(new MountOp.Mask(MountOp.At.cell("/var/log/runner/events.jsonl")));
        assertThat(firstMask).as("private paths are masked after the declared paths that could bring them in")
                .isGreaterThan(lastDeclared);
    }

    @Test
    void freshMountsAreTheCellsOwn() {
        assertThat(MountProgram.inFreshMount(Path.of("/tmp/x"))).isTrue();
        assertThat(MountProgram.inFreshMount(Path.of("/run/cell-runner"))).isTrue();
        assertThat(MountProgram.inFreshMount(Path.of("/dev/shm/a"))).isTrue();
        assertThat(MountProgram.inFreshMount(Path.of("/tmpx"))).isFalse();
        assertThat(MountProgram.inFreshMount(Path.of("/var/lib/x"))).isFalse();
    }

    private static int indexOfLast(List<MountOp> ops, Class<?> type) {
        int last = -1;
        for (int i = 0; i < ops.size(); i++) {
            if (type.isInstance(ops.get(i))) {
                last = i;
            }
        }
        return last;
    }

    static String describe(List<MountOp> ops) {
        return ops.stream().map(MountOp::describe).collect(Collectors.joining("\n", "", "\n"));
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = MountProgramTest.class.getResourceAsStream("/mount/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
