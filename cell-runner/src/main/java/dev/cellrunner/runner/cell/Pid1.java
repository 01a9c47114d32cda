package dev.cellrunner.runner.cell;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.runner.os.ExitStatus;
import dev.cellrunner.runner.os.FdInputStream;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.SpawnRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runner's side of a cell's PID 1 (cell-init): the status pipe it reports on, and the pipe whose
 * write end only the runner holds, so that cell-init can tell the runner died before it armed its
 * parent-death signal. Both write end and reader are closed once the cell has ended.
 */
final class Pid1 implements AutoCloseable {
    private final int statusRead;
    private final int statusWrite;
    private final int aliveRead;
    private final int aliveWrite;
    private final FdInputStream status;
    /** What one read(2) brought beyond the byte asked for: a message comes whole, in one read, not a call per byte. */
    private final byte[] received = new byte[256];
    private int receivedFrom;
    private int receivedTo;
    private boolean childEndsClosed;

    private Pid1(int statusRead, int statusWrite, int aliveRead, int aliveWrite) {
        this.statusRead = statusRead;
        this.statusWrite = statusWrite;
        this.aliveRead = aliveRead;
        this.aliveWrite = aliveWrite;
        this.status = new FdInputStream(statusRead);
    }

    static Pid1 open() throws OsError {
        int[] status = pipe();
        int[] alive;
        try {
            alive = pipe();
        } catch (OsError e) {
            LibC.INSTANCE.close(status[0]);
            LibC.INSTANCE.close(status[1]);
            throw e;
        }
        return new Pid1(status[0], status[1], alive[0], alive[1]);
    }

    /**
     * cell-init with the workload's executable and argv; its descriptors 3 and 4 are the two pipes, and 5
     * the landlock ruleset it restricts itself to at the go, when it makes the cell's domain ({@code landlock}).
     */
    SpawnRequest request(String executable, List<String> argv, java.util.Map<String, String> environment,
                         java.nio.file.Path workingDirectory, Optional<DomainByPid1> landlock) {
        List<String> initArgv = new ArrayList<>();
        initArgv.add("cell-init");
        List<Integer> passed = new ArrayList<>(List.of(statusWrite, aliveRead));
        landlock.ifPresent(domain -> {
            initArgv.addAll(List.of("-l", domain.name(), Long.toUnsignedString(domain.flags()),
                    domain.probe().map(java.nio.file.Path::toString).orElse("-")));
            passed.add(domain.ruleset());
        });
        initArgv.add(executable);
        initArgv.addAll(argv);
        return new SpawnRequest(MountPlan.INIT_PATH, initArgv, environment, workingDirectory, false, passed);
    }

    /**
     * The landlock domain cell-init makes at its go: the ruleset it inherits, the name it takes meanwhile
     * (its audit records name the cell), landlock_restrict_self's flags, and the path it then opens, which
     * the domain must refuse with EACCES.
     */
    record DomainByPid1(int ruleset, String name, long flags, Optional<java.nio.file.Path> probe) {
    }

    /** After the spawn: the child's ends are its own now. */
    void spawned() {
        if (!childEndsClosed) {
            childEndsClosed = true;
            LibC.INSTANCE.close(statusWrite);
            LibC.INSTANCE.close(aliveRead);
        }
    }

    /** Tells cell-init to start the workload (its confinement was observed); false if it is gone. */
    boolean go() {
        return signal((byte) 'g');
    }

    /** Tells cell-init the workload's host PID is read: until then it does not reap the workload. */
    void workloadSeen() {
        signal((byte) 's');
    }

    private boolean signal(byte what) {
        try (com.sun.jna.Memory one = new com.sun.jna.Memory(1)) {
            one.setByte(0, what);
            return Eintr.retry(() -> LibC.INSTANCE.write(aliveWrite, one, 1)) == 1;
        } catch (LastErrorException e) {
            return false; // EPIPE: it has ended
        }
    }

    /**
     * The next message, or null when cell-init has ended without another one; waits no longer than
     * {@code deadline}: a PID 1 held between the go and its report (stopped, or its workload's exec stuck
     * on a hung filesystem) must not hold the run past the cell's lifetime.
     */
    InitMessage next(Deadline deadline) throws LifetimeExpired {
        StringBuilder line = new StringBuilder();
        try (Memory pollfd = new Memory(Linux.POLLFD_SIZE)) {
            for (int b = read(pollfd, deadline); b >= 0; b = read(pollfd, deadline)) {
                if (b == '\n') {
                    return InitMessage.parse(line.toString());
                }
                if (line.length() < 256) {
                    line.append((char) b);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** One byte of the status pipe (-1 at its end) once poll(2) says there is one, before {@code deadline}. */
    private int read(Memory pollfd, Deadline deadline) throws IOException, LifetimeExpired {
        if (receivedFrom < receivedTo) {
            return received[receivedFrom++] & 0xff;
        }
        pollfd.clear();
        pollfd.setInt(0, statusRead);
        pollfd.setShort(Linux.POLLFD_EVENTS_OFFSET, (short) Linux.POLLIN);
        long ready;
        try {
            // retried after a signal with what is left, so a signal never moves the deadline
            ready = Eintr.retry(() -> LibC.INSTANCE.poll(pollfd, 1, deadline.pollMillis(System.nanoTime())));
        } catch (LastErrorException e) {
            throw new IOException("poll on the cell's status pipe: " + LibC.INSTANCE.strerror(e.getErrorCode()), e);
        }
        if (ready == 0) {
            throw new LifetimeExpired();
        }
        int got = status.read(received, 0, received.length); // readable, or at its end (POLLHUP): never blocks
        if (got < 0) {
            return -1;
        }
        receivedFrom = 1;
        receivedTo = got;
        return received[0] & 0xff;
    }

    /**
     * How the workload ended: what cell-init reported, or else (it was killed first, e.g. by the
     * lifetime's cgroup.kill) how cell-init itself ended, which is then how the workload ended too.
     * Reads until {@code deadline}: a process of the cell that cannot be killed (stuck in the kernel)
     * may hold the pipe open.
     */
    Ending ending(ExitStatus init, Deadline deadline) {
        try {
            for (InitMessage message = next(deadline); message != null; message = next(deadline)) {
                if (message instanceof InitMessage.Exited exited) {
                    return new Ending(exited.status(), exited.othersLeft());
                }
            }
        } catch (LifetimeExpired stillHeldOpen) {
            // what PID 1 may have written is not coming: it ended as reaped
        }
        return new Ending(init, false);
    }

    /** How the cell's workload ended, and whether other processes of the cell were still running then. */
    record Ending(ExitStatus status, boolean othersLeft) {
    }

    @Override
    public void close() {
        spawned();
        status.close();
        try {
            LibC.INSTANCE.close(aliveWrite);
        } catch (LastErrorException ignored) {
            // already closed
        }
    }

    private static int[] pipe() throws OsError {
        int[] fds = new int[2];
        try {
            LibC.INSTANCE.pipe2(fds, Linux.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new OsError("pipe2 for the cell's PID 1", e);
        }
        return fds;
    }

}
