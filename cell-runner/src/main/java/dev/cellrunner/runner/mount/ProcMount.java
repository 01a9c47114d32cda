package dev.cellrunner.runner.mount;

import dev.cellrunner.runner.os.OsError;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The cell's /proc ({@link MountProgram#compileProc}), mounted once its PID 1 exists: the kernel resolves
 * a PID namespace only once it has a first process. The helper thread that built the cell's root
 * ({@link StagedRoot}) stays in the cell's mount namespace and mounts it, so that after the spawn only the
 * mounts themselves remain and no second thread is made, entered and ended for them. The helper ends after
 * them, or when closed without a PID 1 (a refused or failed start); it holds the cell's namespace no
 * longer than that.
 */
public final class ProcMount implements AutoCloseable {
    /** Given instead of a PID 1 when none will come. */
    static final long NO_PID1 = -1;

    private final CompletableFuture<Long> pid1 = new CompletableFuture<>();
    private final CompletableFuture<String> mounted = new CompletableFuture<>();

    ProcMount() {
    }

    /**
     * Has the helper mount the cell's /proc now that its PID 1 ({@code pid1}, a host PID) exists; returns
     * at once, so the caller reads what does not depend on it meanwhile ({@link #mounted} waits).
     */
    public void begin(long pid1) {
        this.pid1.complete(pid1);
    }

    /** Waits for the mounts {@link #begin} asked for: "pidns", or why the cell keeps an empty /proc. */
    public String mounted() throws OsError {
        try {
            return mounted.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsError("interrupted while mounting the cell's /proc");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof OsError failure ? failure
                    : new OsError("mounting the cell's /proc: " + e.getCause());
        }
    }

    /** Lets the helper end when no PID 1 was given (a no-op after {@link #begin}). */
    @Override
    public void close() {
        pid1.complete(NO_PID1);
    }

    /**
     * On the helper, in the cell's mount namespace: waits for PID 1 and mounts. {@code hostProc} is the
     * host's /proc, opened before the helper entered the namespace.
     */
    void mountWhenGiven(int hostProc, List<MountOp> program) {
        try {
            mounted.complete(Mounts.mountProc(hostProc, pid1, program));
        } catch (OsError | RuntimeException e) {
            mounted.completeExceptionally(e);
        } catch (InterruptedException e) {
            mounted.completeExceptionally(new OsError("interrupted while mounting the cell's /proc"));
        }
    }

    /** The helper could not build the cell's root: there is no /proc to mount either. */
    void failed(Throwable cause) {
        mounted.completeExceptionally(cause);
    }
}
