package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.linux.Linux;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.IntSupplier;

/**
 * A child started by {@link Spawner}. The runner reaps it itself with waitid(2), so it learns
 * whether the child exited or was killed by a signal; call {@link #waitFor()} from one thread only.
 */
public final class SpawnedProcess {
    private static final int SIGINFO_SIZE = 128;
    private static final int SI_CODE_OFFSET = 8;
    private static final int SI_STATUS_OFFSET = 24;

    private final int pid;
    private final InputStream stdout;
    private final InputStream stderr;
    private final OutputStream stdin;

    SpawnedProcess(int pid, InputStream stdout, InputStream stderr, OutputStream stdin) {
        this.pid = pid;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
    }

    public int pid() {
        return pid;
    }

    public InputStream stdout() {
        return stdout;
    }

    public InputStream stderr() {
        return stderr;
    }

    /** The pipe to the child's stdin, or null when the child reads /dev/null. */
    public OutputStream stdin() {
        return stdin;
    }

    /** Blocks until the child ends and reaps it. */
    public ExitStatus waitFor() throws OsError {
        return reap();
    }

    /**
     * Waits on the calling thread, through poll(2) on a pidfd, until the child ends or the wait's time
     * is up; reaps it and returns its status, or null while it still runs. {@code pollMillis} gives the
     * time left, asked again after a signal so that a signal never lengthens the wait. No waiting
     * thread: the caller is woken by the kernel itself when the child ends.
     */
    public ExitStatus waitFor(IntSupplier pollMillis) throws OsError {
        int pidfd;
        try {
            // not reaped yet, so the pid still names this child
            pidfd = (int) LibC.INSTANCE.syscall(Linux.SYS_PIDFD_OPEN, pid, 0);
        } catch (LastErrorException e) {
            throw new OsError("pidfd_open(" + pid + ")", e);
        }
        try (Memory pollfd = new Memory(Linux.POLLFD_SIZE)) {
            pollfd.clear();
            pollfd.setInt(0, pidfd);
            pollfd.setShort(Linux.POLLFD_EVENTS_OFFSET, (short) Linux.POLLIN);
            long ready;
            try {
                ready = Eintr.retry(() -> LibC.INSTANCE.poll(pollfd, 1, pollMillis.getAsInt()));
            } catch (LastErrorException e) {
                throw new OsError("poll on the pidfd of " + pid, e);
            }
            // readable once the child is a zombie: the reap below does not wait
            return ready == 0 ? null : reap();
        } finally {
            LibC.INSTANCE.close(pidfd);
        }
    }

    private ExitStatus reap() throws OsError {
        try (Memory siginfo = new Memory(SIGINFO_SIZE)) {
            siginfo.clear();
            try {
                Eintr.retry(() -> LibC.INSTANCE.waitid(Linux.P_PID, pid, siginfo, Linux.WEXITED));
            } catch (LastErrorException e) {
                throw new OsError("waitid(" + pid + ")", e);
            }
            int code = siginfo.getInt(SI_CODE_OFFSET);
            int status = siginfo.getInt(SI_STATUS_OFFSET);
            return code == Linux.CLD_EXITED ? ExitStatus.exited(status) : ExitStatus.killed(status, code == Linux.CLD_DUMPED);
        }
    }
}
