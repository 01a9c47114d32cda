package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.testing.CliFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the CLI in a JVM of its own, as a user's shell would: {@link Main} on this module's classpath, or bin/cell-runner. */
final class MainProcess {
    record Result(int status, String out, String err) {
    }

    private MainProcess() {
    }

    /** Without CellOS variables, with {@code XDG_STATE_HOME} under {@code dir}, plus {@code env}. */
    static Result run(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return start(dir, env, new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName())), args);
    }

    /**
     * The same through {@code bin/cell-runner} and its jar, as *IT tests need it: a cell whose landlock
     * domain hides the build's class directories still finds every class in the jar opened before.
     */
    static Result launcher(Path dir, String... args) throws IOException, InterruptedException {
        return start(dir, Map.of(), new ArrayList<>(List.of(CliFixtures.launcher().toString())), args);
    }

    private static Result start(Path dir, Map<String, String> env, List<String> command, String... args)
            throws IOException, InterruptedException {
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CELLOS_") || k.startsWith("CELL_OS_"));
        builder.environment().put("XDG_STATE_HOME", dir.resolve("state").toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }
}
