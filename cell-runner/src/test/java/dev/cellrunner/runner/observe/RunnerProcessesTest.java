package dev.cellrunner.runner.observe;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RunnerProcessesTest {
    @Test
    void aLiveRunnerIsAProcessRunningACellRunner() throws Exception {
        assertThat(RunnerProcesses.isLive(ProcessHandle.current().pid())).as("this process").isTrue();
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(RunnerProcesses.isLive(sleep.pid())).as("a live process that is not a runner").isFalse();
        } finally {
            sleep.destroyForcibly().waitFor();
        }
        assertThat(RunnerProcesses.isLive(sleep.pid())).as("a process that is gone").isFalse();
    }

    @Test
    void runnerCommandLinesAreRecognised() {
        assertThat(RunnerProcesses.isRunnerCommandLine("java\0-jar\0/opt/cell-runner/target/cell-runner.jar\0run\0x.json"))
                .isTrue();
        assertThat(RunnerProcesses.isRunnerCommandLine("java\0-cp\0x.jar\0dev.cellrunner.runner.cli.Main\0gc")).isTrue();
        assertThat(RunnerProcesses.isRunnerCommandLine("sleep\0" + "60")).isFalse();
        assertThat(RunnerProcesses.isRunnerCommandLine("")).as("a zombie").isFalse();
    }

    @Test
    void startTimeIsField22EvenWhenTheCommandNameHoldsSpacesAndParentheses() {
        String stat = "4242 (a b) (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assertThat(RunnerProcesses.startTicksOf(stat)).hasValue(987654);
        assertThat(RunnerProcesses.startTicksOf("4242 (short) S 1")).isEmpty();
        assertThat(RunnerProcesses.startTicks(ProcessHandle.current().pid())).isPresent();
    }
}
