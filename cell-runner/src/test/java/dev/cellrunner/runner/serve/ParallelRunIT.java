package dev.cellrunner.runner.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cell-runner run A.json B.json ... --parallel N} through the CLI: statuses, output, trails. */
class ParallelRunIT {
    private RunnerProcesses runner;

    @BeforeEach
    void scratch() throws Exception {
        runner = new RunnerProcesses();
    }

    @AfterEach
    void clean() throws Exception {
        runner.close();
    }

    @Test
    void eachCellGetsItsOwnStatusAndTheRunnerExitsWithTheFirstThatFailed() throws Exception {
        Path ok = runner.document("/bin/sh", "-c", "echo from-ok");
        Path three = runner.document("/bin/sh", "-c", "echo from-three; exit 3");
        Path invalid = runner.scratch.resolve("invalid.json");
        Files.writeString(invalid, "{\"apiVersion\": \"cellos.io/v1\", \"kind\": \"ExecutionCell\"}");
        Path trail = runner.scratch.resolve("trail.jsonl");

        RunnerProcesses.Result all = runner.run("all", "run", ok.toString(), three.toString(), invalid.toString(),
                "--parallel", "2", "--events", "jsonl:" + trail);
        assertThat(all.exitCode()).as(all.toString()).isEqualTo(3);
        assertThat(all.stdout()).contains("from-ok\n").contains("from-three\n");
        assertThat(all.stderr()).contains(ok + ": exit 0").contains(three + ": exit 3").contains(invalid + ": exit 65")
                .contains("cell-runner: [" + invalid + "] " + invalid + ": invalid ExecutionCell document");
        RunnerProcesses.Result verified = runner.run("verify", "verify", trail.toString());
        assertThat(verified.exitCode()).as("intact, origin not proven (no --key): " + verified).isEqualTo(3);
        assertThat(verified.stdout().lines().filter(line -> line.contains(": ok, 6 events")).count()).isEqualTo(2);

        RunnerProcesses.Result invalidFirst = runner.run("invalid-first", "run", invalid.toString(), ok.toString(),
                "--parallel", "2", "--events", "none");
        assertThat(invalidFirst.exitCode()).as(invalidFirst.toString()).isEqualTo(65);

        RunnerProcesses.Result allOk = runner.run("all-ok", "run", ok.toString(), ok.toString(), "--parallel", "2",
                "--events", "none");
        assertThat(allOk.exitCode()).as(allOk.toString()).isZero();
        assertThat(allOk.stdout()).isEqualTo("from-ok\nfrom-ok\n");
    }

    @Test
    void aHostileCellNextToAGoodOneHarmsOnlyItself() throws Exception {
        String good = IntStream.range(0, 300).mapToObj(i -> "line" + i + "\n").collect(Collectors.joining());
        Path goodCell = runner.document("/bin/sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line$i; i=$((i+1)); done");
        // 24 MiB of output (past what a cell may hold back), background processes, and no end before its timeout.
        ObjectNode hostile = RunnerProcesses.cell("/bin/sh", "-c",
                "sleep 300 & sleep 300 & head -c 25165824 /dev/zero; exec sleep 300");
        ((ObjectNode) hostile.get("spec").get("run")).put("timeoutMs", 3000);
        Path hostileCell = runner.write(hostile);
        Path trail = runner.scratch.resolve("trail.jsonl");

        RunnerProcesses.Result both = runner.run("both", "run", goodCell.toString(), hostileCell.toString(),
                "--parallel", "2", "--events", "jsonl:" + trail);
        assertThat(both.exitCode()).as("the first failing cell is the hostile one: %s", both.stderr()).isEqualTo(124);
        assertThat(both.stderr()).contains(goodCell + ": exit 0").contains(hostileCell + ": exit 124");
        assertThat(both.stdout()).as("the good cell's output is whole, not cut by the other's").contains(good);
        assertThat(both.stdout().length()).isEqualTo(good.length() + 25165824);
        var hostileEvents = RunnerProcesses.eventsOf(trail, hostile.get("spec").get("id").asText());
        assertThat(RunnerProcesses.data(hostileEvents, "completed").get("stdoutBytes").asLong()).isEqualTo(25165824);
        assertThat(RunnerProcesses.data(hostileEvents, "destroyed").get("terminalState").asText()).isEqualTo("forced");
        RunnerProcesses.Result verified = runner.run("verify", "verify", trail.toString());
        assertThat(verified.exitCode()).as("intact, origin not proven (no --key): " + verified).isEqualTo(3);
    }
}
