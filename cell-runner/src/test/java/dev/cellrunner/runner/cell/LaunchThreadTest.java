package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.Syscalls;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LaunchThreadTest {
    @Test
    void everyStepRunsOnTheSameKernelThreadAndThatThreadEnds() throws Exception {
        LaunchThread launch = LaunchThread.start("launch-test");
        int first = launch.call(Syscalls::gettid);
        int second = launch.call(Syscalls::gettid);
        launch.close();

        assertThat(first).isEqualTo(second).isEqualTo(launch.tid()).isNotEqualTo(Syscalls.gettid());
        // The JVM reports the thread finished slightly before the kernel task is gone: poll for it.
        java.nio.file.Path task = java.nio.file.Path.of("/proc/self/task/" + first);
        for (int i = 0; i < 500 && java.nio.file.Files.exists(task); i++) {
            Thread.sleep(10);
        }
        assertThat(task).doesNotExist();
    }

    @Test
    void aStepsExceptionReachesTheCaller() throws Exception {
        try (LaunchThread launch = LaunchThread.start("launch-test")) {
            assertThatThrownBy(() -> launch.call(() -> {
                throw new IOException("step failed");
            })).isInstanceOf(IOException.class).hasMessage("step failed");
        }
    }
}
