package dev.cellrunner.spec;

/**
 * {@code spec.run.limits}: cgroup limits ({@code cpuMillicores} 1000 is one full CPU) and the size of
 * the cell's temp space ({@code tempMaxBytes}). A limit left out takes the runner's default.
 */
public record Limits(Long memoryMaxBytes, Long pidsMax, Long cpuMillicores, Long tempMaxBytes) {
    public Limits(Long memoryMaxBytes, Long pidsMax, Long cpuMillicores) {
        this(memoryMaxBytes, pidsMax, cpuMillicores, null);
    }
}
