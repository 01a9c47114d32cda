package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.observe.NetDev;
import dev.cellrunner.runner.os.NetworkNamespace;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The launch thread begun before planning, on the real kernel (root; the runner's CI runs as root). */
class LaunchStartTest {
    private static final long PID = ProcessHandle.current().pid();
    /** pid_for_children is left out: it has no link until the namespace's first process exists. */
    private static final List<String> KINDS = List.of("net", "mnt", "ipc", "uts");

    @Test
    void theThreadIsInAFreshLoopbackOnlyNamespaceBeforeAnyoneAsks() throws Exception {
        LaunchStart start = LaunchStart.begin("launch-start-test");
        try {
            start.namespace().get(10, TimeUnit.SECONDS);
            int tid = start.thread().tid();

            assertThat(NetworkNamespace.identityOf(PID, tid)).isNotEqualTo(NetworkNamespace.identityOf(PID, PID));
            assertThat(NetDev.interfacesOf(PID, tid)).isEqualTo(List.of("lo"));
        } finally {
            start.end();
        }
    }

    @Test
    void endingACellThatNeverRanEndsItsThreadAndMayBeRepeated() throws Exception {
        LaunchStart start = LaunchStart.begin("launch-start-test");
        start.namespace().get(10, TimeUnit.SECONDS);
        Path task = Path.of("/proc/self/task/" + start.thread().tid());

        start.end();
        start.end();

        // The JVM reports the thread finished slightly before the kernel task is gone: poll for it.
        for (int i = 0; i < 500 && Files.exists(task); i++) {
            Thread.sleep(10);
        }
        assertThat(task).doesNotExist();
    }

    @Test
    void aResidentRunnersNextCellTakesAThreadMadeAheadInAFreshNetworkAndEntersTheRestItself() throws Exception {
        LaunchStart.keepOneAhead();
        try {
            LaunchStart first = LaunchStart.begin("launch-start-first");
            first.namespace().get(10, TimeUnit.SECONDS);
            int firstTid = first.thread().tid();
            Set<String> firstNamespaces = namespacesOf(firstTid);
            // held open, the first cell's namespaces live on, so their numbers cannot be given to new ones
            List<FileChannel> held = new ArrayList<>();
            for (String kind : KINDS) {
                held.add(FileChannel.open(Path.of("/proc/" + PID + "/task/" + firstTid + "/ns/" + kind)));
            }
            first.end(); // the next cell's thread is made now, off this cell's path
            for (int i = 0; i < 500 && madeAhead().isEmpty(); i++) {
                Thread.sleep(10);
            }
            List<Integer> ahead = madeAhead();
            assertThat(ahead).as("a thread waits for the next cell").hasSize(1);
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/task/" + ahead.get(0) + "/ns/mnt")))
                    .as("its mount namespace is made only when a cell takes it")
                    .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));

            LaunchStart second = LaunchStart.begin("launch-start-second");
            try {
                second.namespace().get(10, TimeUnit.SECONDS);
                int tid = second.thread().tid();
                assertThat(tid).as("the thread made ahead").isEqualTo(ahead.get(0));
                assertThat(NetDev.interfacesOf(PID, tid)).isEqualTo(List.of("lo"));
                Set<String> runner = namespacesOf((int) PID);
                for (String namespace : namespacesOf(tid)) {
                    assertThat(runner).as("fresh, not the runner's: " + namespace).doesNotContain(namespace);
                    assertThat(firstNamespaces).as("fresh, not the last cell's: " + namespace).doesNotContain(namespace);
                }
            } finally {
                second.end();
                for (FileChannel namespace : held) {
                    namespace.close();
                }
            }
        } finally {
            LaunchStart.keepNoneAhead();
        }
    }

    private static List<Integer> madeAhead() throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> {
                try {
                    return Files.readString(task.resolve("comm")).strip().equals("cell-launch-nex");
                } catch (Exception gone) {
                    return false;
                }
            }).map(task -> Integer.parseInt(task.getFileName().toString())).toList();
        }
    }

    private static Set<String> namespacesOf(int tid) throws Exception {
        Set<String> namespaces = new HashSet<>();
        for (String kind : KINDS) {
            namespaces.add(Files.readSymbolicLink(Path.of("/proc/" + PID + "/task/" + tid + "/ns/" + kind)).toString());
        }
        return namespaces;
    }
}
