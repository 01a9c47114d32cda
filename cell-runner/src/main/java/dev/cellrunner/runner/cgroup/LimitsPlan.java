package dev.cellrunner.runner.cgroup;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The resource limits of one cell, each with the cgroup mechanism that will hold it and whether the
 * document or the runner's default set it, and the size of the cell's temp space.
 *
 * @param tempSpace the size of the cell's temp space (the tmpfs of /tmp, /var/tmp and /dev/shm)
 */
public record LimitsPlan(List<Limit> limits, TempSpace tempSpace) {
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

    /** Who set a limit: the document, or the runner's default for documents that name none. */
    public enum Source {
        DOCUMENT("document"), DEFAULT("default");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        /** As events and {@code plan} show it. */
        public String label() {
            return label;
        }
    }

    /**
     * @param name       the document's name for it, e.g. "memoryMaxBytes"
     * @param value      as requested
     * @param controller the cgroup controller ("memory", "pids", "cpu")
     */
    public record Limit(String name, long value, String controller, Mechanism mechanism, Source source) {
        public Limit(String name, long value, String controller, Mechanism mechanism) {
            this(name, value, controller, mechanism, Source.DOCUMENT);
        }
    }

    /** {@code run.limits.tempMaxBytes}, or the runner's default. */
    public record TempSpace(long bytes, Source source) {
    }

    public LimitsPlan {
        limits = List.copyOf(limits);
        java.util.Objects.requireNonNull(tempSpace, "tempSpace");
    }

    /** Cgroup limits with the default temp space. */
    public LimitsPlan(List<Limit> limits) {
        this(limits, new TempSpace(DefaultLimits.TEMP_MAX_BYTES, Source.DEFAULT));
    }

    public Set<String> controllers(Mechanism mechanism) {
        return limits.stream().filter(l -> l.mechanism() == mechanism).map(Limit::controller)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
