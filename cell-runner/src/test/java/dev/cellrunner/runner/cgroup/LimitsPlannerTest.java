package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.spec.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class LimitsPlannerTest {
    @TempDir
    Path root;

    @Test
    void prefersV2ControllersAndFallsBackToV1() throws Exception {
        Path v1Pids = Files.createDirectories(root.resolve("pids"));
        CgroupLayout hybrid = new CgroupLayout(Optional.of(root.resolve("unified")), Map.of("pids", v1Pids));
        LimitsPlan plan = LimitsPlanner.plan(new Limits(1L << 30, 64L, null), hybrid, Set.of("memory"),
                DefaultLimits.TEMP_ONLY);
        assertThat(plan.limits()).containsExactly(
                new LimitsPlan.Limit("memoryMaxBytes", 1L << 30, "memory", LimitsPlan.Mechanism.V2),
                new LimitsPlan.Limit("pidsMax", 64, "pids", LimitsPlan.Mechanism.V1));
        assertThat(plan.controllers(LimitsPlan.Mechanism.V2)).containsExactly("memory");
    }

    @Test
    void aLimitNoMechanismCanHoldIsRefused() {
        CgroupLayout v2Only = new CgroupLayout(Optional.of(root), Map.of());
        assertThatThrownBy(() -> LimitsPlanner.plan(new Limits(null, null, 500L), v2Only, Set.of("pids"),
                DefaultLimits.TEMP_ONLY))
                .isInstanceOf(Refusal.class).hasMessageContaining("run.limits.cpuMillicores")
                .hasMessageContaining("'cpu'");
    }

    @Test
    void cpuBelowTheKernelsSmallestQuotaIsRefused() {
        CgroupLayout v2 = new CgroupLayout(Optional.of(root), Map.of());
        assertThatThrownBy(() -> LimitsPlanner.plan(new Limits(null, null, 9L), v2, Set.of("cpu"),
                DefaultLimits.TEMP_ONLY))
                .isInstanceOf(Refusal.class).hasMessageContaining("below 10");
        assertThatThrownBy(() -> LimitsPlanner.plan(new Limits(0L, null, null), v2, Set.of("memory"),
                DefaultLimits.TEMP_ONLY))
                .isInstanceOf(Refusal.class);
    }

    @Test
    void noLimitsNoGroups() throws Exception {
        assertThat(LimitsPlanner.plan(null, new CgroupLayout(Optional.empty(), Map.of()), Set.of(), DefaultLimits.TEMP_ONLY)
                .limits()).isEmpty();
    }

    @Test
    void v2LimitsAreWrittenInTheLeafAndMemoryOnlyOnceTheRunnerLeft() throws Exception {
        Path leaf = Files.createDirectories(root.resolve("leaf"));
        for (String file : List.of("memory.max", "memory.swap.max", "pids.max", "cpu.max")) {
            Files.writeString(leaf.resolve(file), "max");
        }
        LimitsPlan plan = new LimitsPlan(List.of(
                new LimitsPlan.Limit("memoryMaxBytes", 1 << 20, "memory", LimitsPlan.Mechanism.V2),
                new LimitsPlan.Limit("pidsMax", 10, "pids", LimitsPlan.Mechanism.V2),
                new LimitsPlan.Limit("cpuMillicores", 1500, "cpu", LimitsPlan.Mechanism.V2)));
        CellLimits limits = CellLimits.create(plan, Map.of(), leaf, "cell");
        assertThat(leaf.resolve("cpu.max")).hasContent("150000 100000");
        assertThat(leaf.resolve("memory.max")).hasContent("max");
        limits.admitRunner(20);
        assertThat(leaf.resolve("pids.max")).hasContent("46");
        limits.tighten();
        assertThat(leaf.resolve("pids.max")).hasContent("10");
        assertThat(leaf.resolve("memory.max")).hasContent("1048576");
        assertThat(leaf.resolve("memory.swap.max")).hasContent("0");
        assertThat(limits.observe()).allMatch(CellLimits.LimitObservation::holds);
    }

    @Test
    void memoryLimitsRoundedToPagesStillHold() {
        LimitsPlan.Limit memory = new LimitsPlan.Limit("memoryMaxBytes", 100_000_000, "memory", LimitsPlan.Mechanism.V1);
        assertThat(CellLimits.holds(memory, "99999744")).isTrue();
        assertThat(CellLimits.holds(memory, "9223372036854771712")).isFalse();
        assertThat(CellLimits.holds(memory, "max")).isFalse();
    }

    @Test
    void flatKeyedFilesAreRead() throws Exception {
        Path events = Files.writeString(root.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        assertThat(CellLimits.keyed(events, "oom_kill")).isEqualTo(1);
        assertThat(CellLimits.keyed(events, "max")).isEqualTo(3);
        assertThat(CellLimits.keyed(root.resolve("missing"), "max")).isEqualTo(-1);
    }
    @Test
    void whatTheDocumentLeavesOutTakesTheDefaultAndSaysSo() throws Exception {
        Path v1Pids = Files.createDirectories(root.resolve("pids"));
        CgroupLayout hybrid = new CgroupLayout(Optional.of(root.resolve("unified")), Map.of("pids", v1Pids));
        LimitsPlan plan = LimitsPlanner.plan(new Limits(64L << 20, null, null, null), hybrid, Set.of("memory"),
                DefaultLimits.STANDARD);
        assertThat(plan.limits()).containsExactly(
                new LimitsPlan.Limit("memoryMaxBytes", 64L << 20, "memory", LimitsPlan.Mechanism.V2,
                        LimitsPlan.Source.DOCUMENT),
                new LimitsPlan.Limit("pidsMax", DefaultLimits.PIDS_MAX, "pids", LimitsPlan.Mechanism.V1,
                        LimitsPlan.Source.DEFAULT));
        assertThat(plan.tempSpace()).isEqualTo(new LimitsPlan.TempSpace(1L << 30, LimitsPlan.Source.DEFAULT));

        LimitsPlan none = LimitsPlanner.plan(null, hybrid, Set.of("memory"), DefaultLimits.STANDARD);
        assertThat(none.limits()).extracting(LimitsPlan.Limit::name, LimitsPlan.Limit::value, LimitsPlan.Limit::source)
                .containsExactly(tuple("memoryMaxBytes", 3L << 29, LimitsPlan.Source.DEFAULT),
                        tuple("pidsMax", 1024L, LimitsPlan.Source.DEFAULT));
        assertThat(DefaultLimits.STANDARD.tempMaxBytes()).isLessThanOrEqualTo(1L << 30);
    }

    @Test
    void theTempSpaceOfTheDocumentWins() throws Exception {
        LimitsPlan plan = LimitsPlanner.plan(new Limits(null, null, null, 5L << 20),
                new CgroupLayout(Optional.empty(), Map.of()), Set.of(), DefaultLimits.TEMP_ONLY);
        assertThat(plan.tempSpace()).isEqualTo(new LimitsPlan.TempSpace(5L << 20, LimitsPlan.Source.DOCUMENT));
    }

    @Test
    void aDefaultNoMechanismCanHoldIsRefusedNamingTheOptionThatTurnsItOff() {
        CgroupLayout bare = new CgroupLayout(Optional.of(root), Map.of());
        assertThatThrownBy(() -> LimitsPlanner.plan(null, bare, Set.of("memory"), DefaultLimits.STANDARD))
                .isInstanceOf(Refusal.class).hasMessageContaining("run.limits.pidsMax")
                .hasMessageContaining("--default-pids-max none");
    }

    @Test
    void optionValuesAreReadWithUnits() {
        assertThat(DefaultLimits.bytes("--x", "1536M", true)).isEqualTo(1536L << 20);
        assertThat(DefaultLimits.bytes("--x", "2GiB", true)).isEqualTo(2L << 30);
        assertThat(DefaultLimits.bytes("--x", "4096", false)).isEqualTo(4096L);
        assertThat(DefaultLimits.bytes("--x", "none", true)).isNull();
        assertThatThrownBy(() -> DefaultLimits.bytes("--x", "none", false)).hasMessageContaining("--x 'none'");
        assertThatThrownBy(() -> DefaultLimits.bytes("--x", "1.5G", true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DefaultLimits(0L, null, 1L << 30)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DefaultLimits(null, null, 4096)).isInstanceOf(IllegalArgumentException.class);
    }
}
