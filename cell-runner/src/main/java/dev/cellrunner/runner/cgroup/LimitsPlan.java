package dev.cellrunner.runner.cgroup;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The resource limits of one cell, each with the cgroup mechanism that will hold it. */
public record LimitsPlan(List<Limit> limits) {
    public static final LimitsPlan NONE = new LimitsPlan(List.of());

    /** Where a limit is enforced: a cgroup v2 controller in the cell's leaf, or a v1 hierarchy. */
    public enum Mechanism {
        V2("cgroup v2"), V1("cgroup v1");

        private final String label;

        Mechanism(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param name       the document's name for it, e.g. "memoryMaxBytes"
     * @param value      as requested
     * @param controller the cgroup controller ("memory", "pids", "cpu")
     */
    public record Limit(String name, long value, String controller, Mechanism mechanism) {
    }

    public LimitsPlan {
        limits = List.copyOf(limits);
    }

    public Set<String> controllers(Mechanism mechanism) {
        return limits.stream().filter(l -> l.mechanism() == mechanism).map(Limit::controller)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
