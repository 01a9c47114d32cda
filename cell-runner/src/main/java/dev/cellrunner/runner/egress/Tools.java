package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.os.ExitStatus;
import dev.cellrunner.runner.os.SpawnLock;
import dev.cellrunner.runner.os.SpawnRequest;
import dev.cellrunner.runner.os.SpawnedProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs nft and ip. They are found in the usual system directories only (never through a PATH the
 * workload's document could influence), get a fixed environment, and are spawned from the given
 * {@link SpawnSite} while holding {@link SpawnLock}, like every child of the runner.
 */
public final class Tools {
    private static final List<String> DIRECTORIES = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
    private static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C");

    private Tools() {
    }

    public static Optional<Path> find(String name) {
        return DIRECTORIES.stream().map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst();
    }

    public static Path require(String name) throws ToolMissing {
        return find(name).orElseThrow(() -> new ToolMissing(name + " is not installed (looked in "
                + String.join(", ", DIRECTORIES) + ")"));
    }

    public static ToolResult run(SpawnSite site, Path executable, List<String> args, String stdin) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(executable.getFileName().toString());
        argv.addAll(args);
        SpawnRequest request = new SpawnRequest(executable.toString(), argv, ENVIRONMENT, Path.of("/"), true);
        long start = System.nanoTime();
        SpawnedProcess process;
        SpawnLock.LOCK.lock();
        try {
            process = site.spawn(request);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot start " + executable + ": " + e.getMessage(), e);
        } finally {
            SpawnLock.LOCK.unlock();
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(process.stderr()));
        try (OutputStream in = process.stdin()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the tool exited without reading all of its input; its status and stderr say why
        }
        String stdout = drain(process.stdout());
        try {
            ExitStatus status = process.waitFor();
            return new ToolResult(status.shellStatus(), stdout, stderr.join(), System.nanoTime() - start);
        } catch (Exception e) {
            throw new IOException("cannot reap " + executable + ": " + e.getMessage(), e);
        }
    }

    private static String drain(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** A helper program the runner needs is not installed: the cell is refused. */
    public static final class ToolMissing extends Exception {
        public ToolMissing(String message) {
            super(message);
        }
    }
}
