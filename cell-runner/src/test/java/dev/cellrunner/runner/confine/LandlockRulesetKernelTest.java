package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.LibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The landlock ruleset as built on the real kernel, checked from a throwaway thread restricted by it:
 * an entry carved out of a shared directory that its owner swaps for a link to a private path between
 * planning and the ruleset must not open that private path to the cell.
 */
class LandlockRulesetKernelTest {
    private static final long READ = LandlockAccess.READ_FILE | LandlockAccess.READ_DIR;

    @TempDir
    Path shared;

    @Test
    void aCarvedEntrySwappedForALinkAfterPlanningGrantsNothingThroughTheLink() throws Exception {
        int abi = Landlock.abi();
        assumeTrue(abi >= 1, "SKIP: landlock is not enabled in this kernel");
        Path secret = Files.createDirectory(shared.resolve("secret"));
        Files.writeString(secret.resolve("key"), "private\n");
        Path kept = Files.createDirectory(shared.resolve("kept"));
        Files.writeString(kept.resolve("data"), "public\n");
        Path swapped = Files.createDirectory(shared.resolve("swapped"));
        LandlockPlan plan = new LandlockPlan(abi, false, LandlockAccess.filesystem(abi), 0, 0, List.of(),
                List.of(new LandlockRule(kept, READ, "test: carved", true),
                        new LandlockRule(swapped, READ, "test: carved", true)),
                List.of(), List.of(), List.of(), List.of());

        Files.delete(swapped); // what the entry's owner may do once the runner has listed the directory
        Files.createSymbolicLink(swapped, secret);
        int ruleset = Landlock.createRuleset(plan);

        CompletableFuture<List<Integer>> opened = new CompletableFuture<>();
        Thread restricted = new Thread(() -> {
            try {
                NoNewPrivileges.set();
                Landlock.restrictSelf(ruleset);
                opened.complete(List.of(openErrno(kept.resolve("data")), openErrno(swapped.resolve("key"))));
            } catch (Throwable t) {
                opened.completeExceptionally(t);
            }
        }, "landlock-restricted");
        restricted.start();
        restricted.join();

        assertThat(opened.get()).as("errno of opening kept/data, then swapped/key (0: opened)")
                .containsExactly(0, Linux.EACCES);
    }

    private static int openErrno(Path file) {
        try {
            LibC.INSTANCE.close(LibC.INSTANCE.open(file.toString(), Linux.O_RDONLY));
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }
}
