package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.observe.NetDev;
import dev.cellrunner.runner.os.NetworkNamespace;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The launch thread begun before planning, on the real kernel (root; the runner's CI runs as root). */
class LaunchStartTest {
    private static final long PID = ProcessHandle.current().pid();

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
}
