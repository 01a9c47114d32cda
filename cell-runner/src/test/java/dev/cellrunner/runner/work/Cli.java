package dev.cellrunner.runner.work;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.testing.CliFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** bin/cell-runner as an operator runs it, for the broker and worker tests: a scratch directory of its own. */
final class Cli implements AutoCloseable {
    record Result(int status, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    final Path scratch;

    Cli() throws IOException {
        scratch = Files.createTempDirectory("brokers-it-");
    }

    /** A trivial document with a unique cell id, written to the scratch directory. */
    Path document(String... argv) throws IOException {
        return write(CliFixtures.cell("brokers-it-", argv));
    }

    Path write(ObjectNode document) throws IOException {
        Path file = scratch.resolve(document.get("spec").get("id").asText() + ".json");
        Files.writeString(file, CliFixtures.JSON.writeValueAsString(document));
        return file;
    }

    Process start(String name, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(CliFixtures.launcher().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(scratch.resolve(name + ".stdout").toFile())
                .redirectError(scratch.resolve(name + ".stderr").toFile());
        builder.environment().put("XDG_STATE_HOME", scratch.resolve("state").toString());
        builder.environment().putAll(env);
        return builder.start();
    }

    Result run(String name, String... args) throws Exception {
        return await(name, start(name, Map.of(), args), 180);
    }

    Result await(String name, Process process, long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not end within " + seconds + " s: " + output(name, -1));
        }
        return output(name, process.exitValue());
    }

    Result output(String name, int status) throws IOException {
        return new Result(status, Files.readString(scratch.resolve(name + ".stdout")),
                Files.readString(scratch.resolve(name + ".stderr")));
    }

    @Override
    public void close() throws IOException {
        CliFixtures.deleteTree(scratch);
    }
}
