package dev.cellrunner.runner.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start: an absolute executable, its argv (argv[0] included), the complete environment and
 * the working directory (null: inherit). {@code pipeStdin} gives the caller a pipe to the child's
 * stdin; otherwise stdin is /dev/null. {@code passedFds} become the child's descriptors 3, 4, ... in
 * that order; no other descriptor above 2 reaches it.
 */
public record SpawnRequest(String executable, List<String> argv, Map<String, String> environment,
                           Path workingDirectory, boolean pipeStdin, List<Integer> passedFds) {
    public SpawnRequest {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
        passedFds = List.copyOf(passedFds);
    }

    public SpawnRequest(String executable, List<String> argv, Map<String, String> environment,
                        Path workingDirectory, boolean pipeStdin) {
        this(executable, argv, environment, workingDirectory, pipeStdin, List.of());
    }
}
