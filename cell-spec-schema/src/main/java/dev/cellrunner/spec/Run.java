package dev.cellrunner.spec;

import java.util.List;
import java.util.Map;

/**
 * {@code spec.run}: the command, its environment and its resource limits; secrets go to env unless told
 * otherwise. {@code outputs}: the files the command produces, attested after the run (empty when none).
 */
public record Run(List<String> argv, String workingDirectory, Map<String, String> env,
                  SecretDelivery secretDelivery, Long timeoutMs, Limits limits, String user, String group,
                  List<String> outputs) {
    public Run {
        argv = argv == null ? List.of() : List.copyOf(argv);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        secretDelivery = secretDelivery == null ? SecretDelivery.ENV : secretDelivery;
        env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(env));
    }
}
