package dev.cellrunner.runner.confine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Allocation from a range of this test's own, in a state directory of its own. */
class UidAllocatorTest {
    /** Far above any account of this host, and of any other test. */
    private static final UidRange RANGE = new UidRange(730_000, 730_002);
    /** Releases that are still under way when the next allocation comes. */
    private static final Executor LATE = CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS);

    @TempDir
    Path state;

    @Test
    void eachCellGetsAUidOfItsOwnUntilTheRangeIsUsedUp() throws Exception {
        UidAllocator allocator = new UidAllocator(RANGE, state);
        Set<Integer> uids = new HashSet<>();
        try (UidAllocator.Lease a = allocator.allocate("a"); UidAllocator.Lease b = allocator.allocate("b");
             UidAllocator.Lease c = allocator.allocate("c")) {
            uids.addAll(List.of(a.uid(), b.uid(), c.uid()));
            assertThat(uids).containsExactlyInAnyOrder(730_000, 730_001, 730_002);
            assertThatThrownBy(() -> allocator.allocate("d")).hasMessageContaining("every uid of 730000-730002");
            assertThat(Files.readString(state.resolve("uids").resolve(a.uid() + ".lock")))
                    .isEqualTo(ProcessHandle.current().pid() + " a\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("uids"))))
                    .isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("uids")
                    .resolve(a.uid() + ".lock")))).isEqualTo("rw-------");
        }
        try (UidAllocator.Lease again = allocator.allocate("e")) {
            assertThat(RANGE.contains(again.uid())).isTrue();
            assertThat(Files.readString(state.resolve("uids").resolve(again.uid() + ".lock"))).endsWith(" e\n");
        }
        assertThat(Files.readString(state.resolve("uids").resolve("730000.lock"))).as("released: emptied").isEmpty();
    }

    @Test
    void cellsOneAfterTheOtherOnOneUidWaitForTheLastRelease() throws Exception {
        UidAllocator allocator = new UidAllocator(new UidRange(730_004, 730_004), state, LATE);
        List<String> log = new CopyOnWriteArrayList<>();
        for (String cell : List.of("a", "b", "c")) {
            UidAllocator.Lease lease = allocator.allocate(cell);
            assertThat(lease.uid()).isEqualTo(730_004);
            allocator.releaseLater(lease, log::add);
            assertThat(record(730_004)).as("its release is under way").endsWith(" " + cell + "\n");
        }
        allocator.awaitReleases();
        assertThat(record(730_004)).as("released before the runner exits").isEmpty();
        assertThat(log).isEmpty();
    }

    @Test
    void aUidStillHeldIsRefusedEvenAfterWaitingForReleases() throws Exception {
        UidAllocator allocator = new UidAllocator(new UidRange(730_004, 730_005), state, LATE);
        try (UidAllocator.Lease held = allocator.allocate("held")) {
            UidAllocator.Lease ended = allocator.allocate("ended");
            allocator.releaseLater(ended, message -> { });
            try (UidAllocator.Lease next = allocator.allocate("next")) {
                assertThat(next.uid()).as("the ended cell's, once released").isEqualTo(ended.uid());
                assertThatThrownBy(() -> allocator.allocate("refused")).hasMessageContaining("every uid of 730004-730005");
            }
            assertThat(record(held.uid())).endsWith(" held\n");
        }
    }

    @Test
    void aUidAnotherRunnerHoldsIsNotTaken() throws Exception {
        Path uids = Files.createDirectories(state.resolve("uids"));
        Path held = uids.resolve("730001.lock");
        Files.writeString(held, "1 other-runner\n");
        // another process holds an fcntl lock on it, as a live runner would
        Process other = new ProcessBuilder("python3", "-c", "import fcntl,sys,time; f=open(sys.argv[1],'r+'); "
                + "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", held.toString()).start();
        try {
            assertThat(new String(other.getInputStream().readNBytes(5))).isEqualTo("held\n");
            UidAllocator allocator = new UidAllocator(RANGE, state);
            try (UidAllocator.Lease a = allocator.allocate("a"); UidAllocator.Lease b = allocator.allocate("b")) {
                assertThat(Set.of(a.uid(), b.uid())).containsExactlyInAnyOrder(730_000, 730_002);
                assertThatThrownBy(() -> allocator.allocate("c")).isInstanceOf(java.io.IOException.class);
            }
            assertThat(UidAllocator.collect(state)).as("gc leaves a live runner's uid alone").isEmpty();
        } finally {
            other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aUidADeadRunnerLeftIsTakenAgainOnlyWhenNoProcessRunsAsItAndGcSaysSo() throws Exception {
        Path uids = Files.createDirectories(state.resolve("uids"));
        Files.writeString(uids.resolve("730000.lock"), "999999999 lost-cell\n");
        assertThat(UidAllocator.collect(state)).containsExactly("reclaimed uid 730000 of runner 999999999 (cell lost-cell)");
        assertThat(Files.readString(uids.resolve("730000.lock"))).isEmpty();
        assertThat(UidAllocator.collect(state)).as("nothing left").isEmpty();

        Files.writeString(uids.resolve("730002.lock"), "999999999 other-cell\n");
        UidAllocator allocator = new UidAllocator(new UidRange(730_002, 730_002), state);
        try (UidAllocator.Lease lease = allocator.allocate("next")) {
            assertThat(lease.uid()).as("no process runs as it: taken again").isEqualTo(730_002);
        }
    }

    @Test
    void aUidThatStillHasProcessesIsNeitherAllocatedNorReclaimed() throws Exception {
        Path uids = Files.createDirectories(state.resolve("uids"));
        Files.writeString(uids.resolve("730001.lock"), "999999999 still-running\n");
        Process stray = new ProcessBuilder("setpriv", "--reuid=730001", "--regid=730001", "--clear-groups",
                "sleep", "30").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (UidAllocator.processesRunningAs(730_001).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(UidAllocator.processesRunningAs(730_001)).contains(stray.pid());
            try (UidAllocator.Lease lease = new UidAllocator(new UidRange(730_001, 730_002), state).allocate("x")) {
                assertThat(lease.uid()).isEqualTo(730_002);
            }
            assertThat(UidAllocator.collect(state)).singleElement().asString()
                    .startsWith("cannot reclaim uid 730001 of runner 999999999 (cell still-running): processes");
        } finally {
            stray.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aZombieDoesNotHoldItsUid() throws Exception {
        // the shell's child exits at once; the shell became a sleep that never reaps it
        Process parent = new ProcessBuilder("setpriv", "--reuid=730003", "--regid=730003", "--clear-groups",
                "/bin/sh", "-c", "/bin/true & exec sleep 30").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            java.util.Optional<ProcessHandle> zombie = java.util.Optional.empty();
            while (zombie.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                zombie = parent.toHandle().children().filter(child -> state(child.pid()).contains("(zombie)")).findFirst();
            }
            assertThat(zombie).as("the zombie child of %s", parent.pid()).isPresent();
            assertThat(UidAllocator.processesRunningAs(730_003)).contains(parent.pid())
                    .doesNotContain(zombie.get().pid());
        } finally {
            parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private String record(int uid) throws java.io.IOException {
        return Files.readString(state.resolve("uids").resolve(uid + ".lock"));
    }

    private static String state(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("State:"))
                    .findFirst().orElse("");
        } catch (java.io.IOException gone) {
            return "";
        }
    }

    @Test
    void uidsNssKnowsAreNeverHandedOut() throws Exception {
        // 65534 is nobody (and nogroup) on every Debian host
        assertThatThrownBy(() -> new UidAllocator(new UidRange(65534, 65534), state).allocate("x"))
                .hasMessageContaining("every uid of 65534-65534");
    }
}
