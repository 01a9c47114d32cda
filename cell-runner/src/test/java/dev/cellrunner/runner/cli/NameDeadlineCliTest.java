package dev.cellrunner.runner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code plan} and {@code run} with hostnames whose name server never answers: they refuse with 69
 * within their deadline (plan: its fixed cap; run: the cell's lifetime), naming every name. The runner
 * runs in network and mount namespaces of its own, where the name server of a private /etc/resolv.conf
 * (bind-mounted there, never the host's) is a UDP socket on that namespace's loopback that is bound and
 * never read. The time bound is a hang check, not a speed target.
 */
class NameDeadlineCliTest {
    @TempDir
    Path dir;

    private record Ended(int status, String out, double seconds) {
    }

    /** {@code cell-runner ARGS} where the only name server is silent; the output, status and time taken. */
    private Ended underSilentNameServer(String... args) throws Exception {
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\noptions timeout:30 attempts:3\n");
        String silentServer = "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                + " s.bind(('127.0.0.1', 53)); time.sleep(600)";
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--mount", "sh", "-c",
                "ip link set lo up && mount --bind \"$0\" /etc/resolv.conf && { python3 -c \"$1\" & server=$!; n=0;"
                        + " until ss -Huln | grep -q 127.0.0.1:53 || [ $n -gt 300 ]; do sleep 0.1; n=$((n+1)); done;"
                        + " shift 1; \"$@\"; status=$?; kill $server; exit $status; }",
                resolv.toString(), silentServer,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        builder.environment().put("CELL_RUNNER_STATE_DIR", dir.resolve("state").toString());
        long start = System.nanoTime();
        Process process = builder.start();
        boolean ended = process.waitFor(120, TimeUnit.SECONDS);
        if (!ended) { // the name server and the runner too, not only unshare
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String out = Files.readString(dir.resolve("out.txt"));
        assertThat(ended).as("%s hung: %s", args[0], out).isTrue();
        return new Ended(process.exitValue(), out, seconds);
    }

    private Path spec(int ttlSeconds) throws Exception {
        return Files.writeString(dir.resolve("cell.json"), """
                {"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                 "spec": {"id": "names", "lifetime": {"ttlSeconds": %d},
                          "authority": {"egressRules": [
                            {"host": "a.silent.example.org", "port": 443}, {"host": "b.silent.example.org", "port": 443},
                            {"host": "c.silent.example.org", "port": 443}, {"host": "d.silent.example.org", "port": 443}]},
                          "run": {"argv": ["/bin/true"]}}}
                """.formatted(ttlSeconds));
    }

    @Test
    void planRefusesNamesThatNeverAnswerWithinItsCapAndNamesThemAll() throws Exception {
        Ended plan = underSilentNameServer("plan", spec(5).toString());
        assertThat(plan.status()).as(plan.out()).isEqualTo(69);
        assertThat(plan.out()).contains("a.silent.example.org, b.silent.example.org, c.silent.example.org, d.silent.example.org");
        assertThat(plan.seconds()).as("one cap for all names (10 s), not a resolver timeout per name").isLessThan(60);
    }

    @Test
    void runRefusesNamesThatNeverAnswerWithinTheCellsLifetimeAndRecordsThemAll() throws Exception {
        Path trail = dir.resolve("trail.jsonl");
        Ended run = underSilentNameServer("run", spec(2).toString(), "--events", "jsonl:" + trail);
        assertThat(run.status()).as(run.out()).isEqualTo(69);
        String events = Files.readString(trail);
        assertThat(events).contains("no answer within 2000 ms for a.silent.example.org, b.silent.example.org,"
                + " c.silent.example.org, d.silent.example.org").contains("\"outcome\":\"refused\"");
        assertThat(run.seconds()).as("one deadline for all names (the lifetime, 2 s), not a resolver timeout per name")
                .isLessThan(60);
    }
}
