package dev.cellrunner.spec;

import java.util.Map;

/** {@code spec.correlation}: ties a cell to the CI run that asked for it; copied into every event. */
public record Correlation(String platform, String externalRunId, Map<String, String> labels) {
    public Correlation {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
