package dev.cellrunner.runner.egress;

import com.sun.jna.LastErrorException;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.OsError;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import static dev.cellrunner.linux.Linux.O_CLOEXEC;
import static dev.cellrunner.linux.Linux.O_RDONLY;

/**
 * A close-on-exec descriptor of a network namespace (a cell's, taken while its launch thread is alive,
 * or the runner's own), so the namespace can be entered later: a fresh throwaway thread setns()es into
 * it, does one job (e.g. reads the counters with libnftables) and ends. No thread that ever entered a
 * cell's namespace runs anything else.
 */
public final class NetnsHandle implements AutoCloseable {

    private final int fd;
    private boolean closed;

    private NetnsHandle(int fd) {
        this.fd = fd;
    }

    /** Opens /proc/&lt;pid&gt;/task/&lt;tid&gt;/ns/net of the given thread. */
    public static NetnsHandle ofThread(long pid, int tid) throws OsError {
        String path = "/proc/" + pid + "/task/" + tid + "/ns/net";
        try {
            return new NetnsHandle(LibC.INSTANCE.open(path, O_RDONLY | O_CLOEXEC));
        } catch (LastErrorException e) {
            throw new OsError("open(" + path + ")", e);
        }
    }

    /** The descriptor, e.g. for IFLA_NET_NS_FD; valid until {@link #close()}. */
    int fd() {
        return fd;
    }

    /**
     * Starts {@code job} on a new daemon thread that first enters the namespace; the job does not run
     * when that fails, and the thread ends afterwards. Keep this handle open until the returned future
     * completes.
     */
    <T> CompletableFuture<T> startInside(String threadName, Callable<T> job) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                LibC.INSTANCE.setns(fd, Linux.CLONE_NEWNET);
                result.complete(job.call());
            } catch (LastErrorException e) {
                result.completeExceptionally(new OsError("setns(CLONE_NEWNET)", e));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    /**
     * As {@link #startInside}, for a job known only later: the thread is started and enters the namespace
     * now, then waits for {@link Ahead#run}, so that the job does not wait for a thread's start. Keep this
     * handle open until {@link Ahead#ended} completes.
     */
    <T> Ahead<T> startAhead(String threadName) {
        Ahead<T> ahead = new Ahead<>();
        ahead.result = startInside(threadName, () -> ahead.job.get().call());
        return ahead;
    }

    /** A thread inside the namespace waiting for its one job ({@link #startAhead}). */
    static final class Ahead<T> {
        private final CompletableFuture<Callable<T>> job = new CompletableFuture<>();
        private CompletableFuture<T> result;

        /** Gives the thread its job; the job's result. */
        CompletableFuture<T> run(Callable<T> given) {
            job.complete(given);
            return result;
        }

        /** Lets the thread end without a job (nothing once it has one). */
        void cancel() {
            job.cancel(false);
        }

        /** Completes once the thread is done with the namespace, whether its job ran or failed. */
        CompletableFuture<Void> ended() {
            return result.handle((done, failed) -> null);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
