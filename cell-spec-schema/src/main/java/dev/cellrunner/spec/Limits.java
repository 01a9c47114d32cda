package dev.cellrunner.spec;

/** {@code spec.run.limits}: cgroup limits; {@code cpuMillicores} 1000 is one full CPU. */
public record Limits(Long memoryMaxBytes, Long pidsMax, Long cpuMillicores) {
}
