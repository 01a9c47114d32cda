package dev.cellrunner.runner.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the CLI ({@link Main} on this module's classpath) in a JVM of its own, as a user's shell would. */
final class MainProcess {
    record Result(int status, String out, String err) {
    }

    private MainProcess() {
    }

    /** Without CellOS variables, with {@code XDG_STATE_HOME} under {@code dir}, plus {@code env}. */
    static Result run(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
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
