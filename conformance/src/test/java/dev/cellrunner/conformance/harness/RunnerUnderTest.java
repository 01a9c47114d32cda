package dev.cellrunner.conformance.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cell runner being judged: an executable that speaks the adapter contract (see
 * conformance/README.md). Chosen by the system property {@code cellrunner.cmd}, else the environment
 * variable {@code CELL_RUNNER_CMD}, else {@code <repository>/bin/cell-runner}.
 */
public record RunnerUnderTest(Path executable, Path repositoryRoot) {
    public static final String COMMAND_PROPERTY = "cellrunner.cmd";
    public static final String COMMAND_VARIABLE = "CELL_RUNNER_CMD";
    public static final String ROOT_PROPERTY = "cellrunner.root";

    public static RunnerUnderTest fromEnvironment() {
        Path root = repositoryRoot(System.getProperty(ROOT_PROPERTY));
        String chosen = firstNonBlank(System.getProperty(COMMAND_PROPERTY), System.getenv(COMMAND_VARIABLE));
        Path executable = chosen != null ? Path.of(chosen).toAbsolutePath() : root.resolve("bin/cell-runner");
        return new RunnerUnderTest(executable, root);
    }

    /** The command line for one call: the executable followed by the adapter-contract arguments. */
    public List<String> command(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(arguments);
        return command;
    }

    /** A readable reason why this runner cannot be driven at all, or null when it can. */
    public String unusableBecause() {
        if (!Files.isRegularFile(executable)) {
            return executable + " does not exist (build with `mvn -q -B package -DskipTests`, or set "
                    + COMMAND_PROPERTY + " / " + COMMAND_VARIABLE + ")";
        }
        return Files.isExecutable(executable) ? null : executable + " is not executable";
    }

    /** The repository root: given, or found above the working directory by its bin/cell-runner. */
    private static Path repositoryRoot(String given) {
        if (given != null && !given.isBlank()) {
            return Path.of(given).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("schema/events")) && Files.exists(dir.resolve("bin/cell-runner"))) {
                return dir;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
