package dev.cellrunner.runner.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start: an absolute executable, its argv (argv[0] included), the complete environment and
 * the working directory (null: inherit). {@code pipeStdin} gives the caller a pipe to the child's
 * stdin; otherwise stdin is /dev/null.
 */
public record SpawnRequest(String executable, List<String> argv, Map<String, String> environment,
                           Path workingDirectory, boolean pipeStdin) {
    public SpawnRequest {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
    }
}
