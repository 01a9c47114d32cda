package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A document that declares no limits still cannot take the host's processes or memory: the runner's
 * defaults hold, and confinement says they are defaults. Each attack is proved against a control run
 * that declares enough for it, in which the same workload succeeds.
 */
@ContractSection("§1 limits: the runner's defaults for a document that declares none")
@ExtendWith(HarnessExtension.class)
class DefaultLimitsTest {
    private static final int PROCESSES = 1500;
    /** perl: fork until PROCESSES children wait or a fork fails, print how many, end them all. */
    private static final String FORK = "my @kids; for (1 .. " + PROCESSES + ") { my $p = fork; last unless defined $p; "
            + "if ($p == 0) { sleep 30; exit 0 } push @kids, $p } print 'started=', scalar(@kids), qq(\\n); "
            + "kill 'KILL', @kids; 1 while wait != -1;";
    /** perl: take 2 GiB in one string and touch every page of it (vec zero-fills what it extends). */
    private static final String TAKE = "my $x = ''; vec($x, 2 * 1024 ** 3 - 1, 8) = 1; print 'took=', length($x), qq(\\n);";

    @Test
    @DisplayName("without declared limits 1500 processes cannot be started; pidsMax 2000 lets them start")
    void processesAreBoundedByDefault(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult bounded = h.run(Spec.cell("crconf-default-pids", "/usr/bin/perl", "-e", FORK).ttlSeconds(60));
        RunResult control = h.run(Spec.cell("crconf-declared-pids", "/usr/bin/perl", "-e", FORK).ttlSeconds(60)
                .pidsMax(2000));

        assertThat(control.stdoutText()).as(control.describe()).isEqualTo("started=" + PROCESSES + "\n");
        assertThat(started(bounded)).as(bounded.describe()).isLessThan(PROCESSES).isPositive();
        JsonNode pids = bounded.trail().data(EventType.CONFINEMENT).path("limits").path("pidsMax");
        assertThat(pids.path("source").asText()).isEqualTo("default");
        assertThat(pids.path("enforced").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("without declared limits 2 GiB of memory cannot be taken; memoryMaxBytes 3 GiB lets it")
    void memoryIsBoundedByDefault(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult bounded = h.run(Spec.cell("crconf-default-memory", "/usr/bin/perl", "-e", TAKE).ttlSeconds(60));
        RunResult control = h.run(Spec.cell("crconf-declared-memory", "/usr/bin/perl", "-e", TAKE).ttlSeconds(60)
                .memoryMaxBytes(3L << 30));

        assertThat(control.stdoutText()).as(control.describe()).isEqualTo("took=" + (2L << 30) + "\n");
        assertThat(control.exitCode()).isZero();
        assertThat(bounded.stdoutText()).as(bounded.describe()).doesNotContain("took=");
        assertThat(bounded.exitCode()).as(bounded.describe()).isNotZero();
        JsonNode memory = bounded.trail().data(EventType.CONFINEMENT).path("limits").path("memoryMaxBytes");
        assertThat(memory.path("source").asText()).isEqualTo("default");
        assertThat(memory.path("requested").asLong()).isLessThan(2L << 30);
        assertThat(bounded.trail().data(EventType.CONFINEMENT).path("limits").path("tempMaxBytes").path("requested")
                .asLong()).isLessThanOrEqualTo(1L << 30);
    }

    @Test
    @DisplayName("without declared limits 5 GiB cannot be written from $TMPDIR: it is a tmpfs of at most 1 GiB, nothing reaches the host's disk; a write within tempMaxBytes succeeds")
    void tempSpaceIsBoundedByDefault(Harness h) {
        Kernel.requireNetworkNamespaces();
        String marker = h.marker();
        String fill = "dd if=/dev/zero of=$TMPDIR/" + marker + " bs=1M count=COUNT 2>/dev/null; echo dd=$?; "
                + "echo size=$(stat -c %s $TMPDIR/" + marker + "); echo fs=$(stat -f -c %T $TMPDIR)";
        RunResult bounded = h.run(Spec.shell("crconf-default-temp", fill.replace("COUNT", "5120")).ttlSeconds(120));
        // the control: the same write, 32 MiB of a declared 64 MiB, is written whole
        RunResult control = h.run(Spec.shell("crconf-declared-temp", fill.replace("COUNT", "32")).memoryMaxBytes(1L << 30)
                .field("/spec/run/limits", "tempMaxBytes", LongNode.valueOf(64L << 20)));

        assertThat(control.stdoutText()).as(control.describe()).contains("dd=0", "size=" + (32L << 20), "fs=tmpfs");
        JsonNode temp = bounded.trail().data(EventType.CONFINEMENT).path("limits").path("tempMaxBytes");
        assertThat(temp.path("source").asText()).isEqualTo("default");
        long cap = temp.path("requested").asLong();
        assertThat(cap).isPositive().isLessThanOrEqualTo(1L << 30);
        assertThat(bounded.stdoutText()).as(bounded.describe()).contains("fs=tmpfs").doesNotContain("dd=0");
        long size = Long.parseLong(bounded.stdoutText().lines().filter(l -> l.startsWith("size=")).findFirst()
                .orElseThrow().substring(5));
        assertThat(size).as("what the cell wrote before its temp space was full").isPositive().isLessThanOrEqualTo(cap);
        // where a cell's $TMPDIR was a host directory before it had a tmpfs of its own
        for (Path base : List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of(System.getProperty("java.io.tmpdir"),
                "cellrunner-cells"))) {
            assertThat(base.resolve(marker)).as("the cell's file on the host").doesNotExist();
        }
    }

    private static int started(RunResult result) {
        String out = result.stdoutText().strip();
        assertThat(out).as(result.describe()).startsWith("started=");
        return Integer.parseInt(out.substring("started=".length()));
    }
}
