package dev.cellrunner.nft;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real nft in a throwaway network namespace ({@code unshare --net}), so tests load rulesets
 * into the kernel without touching the host's.
 */
final class ScratchNamespace {
    record Result(int exitCode, String stdout, String stderr) {
    }

    private ScratchNamespace() {
    }

    /** Skips (with the reason printed) where nft or network namespaces are not available. */
    static void assumeAvailable() {
        String reason = null;
        if (List.of("/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft").stream().noneMatch(p -> Files.isExecutable(Path.of(p)))) {
            reason = "nft is not installed";
        } else {
            try {
                Result probe = run("nft list ruleset", "");
                if (probe.exitCode() != 0) {
                    reason = "cannot run nft in a new network namespace: " + probe.stderr().strip();
                }
            } catch (IOException e) {
                reason = "cannot run unshare: " + e.getMessage();
            }
        }
        if (reason != null) {
            System.out.println("SKIP: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIP: " + reason);
    }

    /** {@code nft -f -} with {@code script}, then the kernel's JSON listing, in one fresh namespace. */
    static Result applyAndList(String script) throws IOException {
        return run("nft -f - && nft -j list ruleset", script);
    }

    /** {@code nft -c -f -}: parse and let the kernel validate, commit nothing. */
    static Result check(String script) throws IOException {
        return run("nft -c -f -", script);
    }

    static Result run(String shell, String stdin) throws IOException {
        Process process = new ProcessBuilder("unshare", "--net", "--", "sh", "-c", shell).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("nft did not finish in 60 s");
            }
            return new Result(process.exitValue(), out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
