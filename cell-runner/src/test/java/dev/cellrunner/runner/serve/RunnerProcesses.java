package dev.cellrunner.runner.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cellrunner.runner.testing.CliFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bin/cell-runner as a user runs it, for the resident-mode tests: documents and trails in a scratch
 * directory of its own. Every host-side name starts with {@code serve-it-}.
 */
final class RunnerProcesses implements AutoCloseable {
    static final ObjectMapper JSON = CliFixtures.JSON;
    private static final long LIMIT_SECONDS = 120;

    final Path scratch;
    private final List<Path> copies = new ArrayList<>();

    RunnerProcesses() throws IOException {
        scratch = Files.createTempDirectory("serve-it-");
        // cells run as an allocated uid: they must reach the files a test leaves for them here
        Files.setPosixFilePermissions(scratch, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A document for {@code argv} with a unique cell id, written to the scratch directory. */
    Path document(String... argv) throws IOException {
        return write(cell(argv));
    }

    /**
     * A document whose cell sees {@code dir} of the host (read-only): a cell's /tmp is its own, so a
     * cell that waits for a file the test creates there must be given the directory.
     */
    Path documentSeeing(Path dir, String... argv) throws IOException {
        return documentSeeing(List.of(dir), argv);
    }

    /** As above, for several directories (e.g. also the checkout holding the launcher, when it lies in /tmp). */
    Path documentSeeing(List<Path> dirs, String... argv) throws IOException {
        ObjectNode document = cell(argv);
        ObjectNode filesystem = ((ObjectNode) document.get("spec")).putObject("authority").putObject("filesystem");
        var readOnly = filesystem.putArray("readOnly").add("/");
        dirs.forEach(dir -> readOnly.add(dir.toString()));
        return write(document);
    }

    static ObjectNode cell(String... argv) {
        return CliFixtures.cell("serve-it-", argv);
    }

    Path write(ObjectNode document) throws IOException {
        Path file = scratch.resolve(document.get("spec").get("id").asText() + ".json");
        Files.writeString(file, JSON.writeValueAsString(document));
        return file;
    }

    /** Starts bin/cell-runner with {@code args}, output to files named {@code name}. */
    Started start(String name, List<String> prefix, String... args) throws IOException {
        return start(name, prefix, null, args);
    }

    /** The same, with standard input read from {@code stdin} (opened by this process) when not null. */
    Started start(String name, List<String> prefix, Path stdin, String... args) throws IOException {
        return startWith(launcher(), name, prefix, stdin, args);
    }

    /** The same with another copy of the launcher (see {@link #launcherAnyoneCanRun}). */
    Started startWith(Path launcher, String name, List<String> prefix, Path stdin, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(launcher.toString());
        command.addAll(List.of(args));
        Path out = scratch.resolve(name + ".stdout");
        Path err = scratch.resolve(name + ".stderr");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin != null) {
            builder.redirectInput(stdin.toFile());
        }
        Process process = builder.start();
        return new Started(process, out, err);
    }

    Result run(String name, String... args) throws IOException, InterruptedException {
        return start(name, List.of(), args).await();
    }

    static Path launcher() {
        return CliFixtures.launcher();
    }

    /**
     * A copy of bin/cell-runner and its jar in a directory every uid may enter, for clients run as
     * another uid: the checkout itself may sit below a directory only its owner can enter (a CI clone in
     * a mktemp directory). Removed with the scratch directory.
     */
    Path launcherAnyoneCanRun() throws IOException {
        Path checkout = launcher().getParent().getParent();
        Path copy = Files.createTempDirectory("serve-it-launcher-");
        Path bin = Files.createDirectories(copy.resolve("bin"));
        Path target = Files.createDirectories(copy.resolve("cell-runner").resolve("target"));
        Files.copy(launcher(), bin.resolve("cell-runner"));
        Files.copy(checkout.resolve("cell-runner").resolve("target").resolve("cell-runner.jar"),
                target.resolve("cell-runner.jar"));
        for (Path dir : List.of(copy, bin, copy.resolve("cell-runner"), target, bin.resolve("cell-runner"))) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        copies.add(copy);
        return bin.resolve("cell-runner");
    }

    static List<JsonNode> events(Path file) throws IOException {
        return CliFixtures.events(file);
    }

    /** The events of the run of cell {@code cellId} in {@code trail}. */
    static List<JsonNode> eventsOf(Path trail, String cellId) throws IOException {
        return events(trail).stream().filter(e -> e.path("data").path("cellId").asText().equals(cellId)).toList();
    }

    static JsonNode data(List<JsonNode> events, String typeSuffix) {
        return CliFixtures.data(events, typeSuffix, "");
    }

    @Override
    public void close() throws IOException {
        CliFixtures.deleteTree(scratch);
        for (Path copy : copies) {
            CliFixtures.deleteTree(copy);
        }
    }

    record Started(Process process, Path stdoutFile, Path stderrFile) {
        Result await() throws IOException, InterruptedException {
            if (!process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("cell-runner did not end within " + LIMIT_SECONDS + " s; stderr: "
                        + Files.readString(stderrFile));
            }
            return new Result(process.exitValue(), Files.readString(stdoutFile), Files.readString(stderrFile));
        }

        String stderr() throws IOException {
            return Files.readString(stderrFile);
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }
}
