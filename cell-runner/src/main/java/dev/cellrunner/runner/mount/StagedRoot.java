package dev.cellrunner.runner.mount;

import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.OsError;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cell's new root: its {@link MountProgram} up to the pivot_root, built by a fresh helper thread that
 * joins the cell's mount namespace as soon as the launch thread has made it, so the build overlaps the
 * network's set-up on the launch thread; the launch thread then pivots into it ({@link #pivot}). The
 * helper then stays to mount the cell's /proc once PID 1 exists ({@link #proc}). Until
 * then the launch thread's view has the staged root over {@value MountProgram#STAGE} and the scratch
 * tmpfs over {@value MountProgram#SCRATCH}: its network steps use sockets and netlink only, no path there.
 */
public final class StagedRoot {
    private final CompletableFuture<MountedCell> staged = new CompletableFuture<>();
    private final AtomicBoolean taken = new AtomicBoolean();
    /** The cell's /proc, which the same helper mounts once PID 1 exists. */
    private final ProcMount proc = new ProcMount();

    private StagedRoot() {
    }

    /** Starts building {@code plan}'s root in the mount namespace of launch thread {@code launchTid}. */
    public static StagedRoot start(int launchTid, MountPlan plan) {
        List<MountOp> program = MountProgram.compile(plan);
        if (!(program.get(program.size() - 1) instanceof MountOp.PivotRoot)) {
            throw new IllegalStateException("a mount program ends with its pivot_root");
        }
        StagedRoot root = new StagedRoot();
        FreshThreads.run("cell-mounts-" + launchTid, () -> root.build(launchTid, plan,
                program.subList(0, program.size() - 1)));
        return root;
    }

    /**
     * On the launch thread: waits for the build, then pivots into it. The caller closes the result once
     * landlock has its rules.
     */
    public MountedCell pivot() throws OsError, Refusal, InterruptedException {
        taken.set(true);
        MountedCell cell;
        try {
            cell = staged.get();
        } catch (InterruptedException e) {
            staged.thenAccept(MountedCell::close);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof OsError failure) {
                throw failure;
            }
            if (e.getCause() instanceof Refusal refusal) {
                throw refusal;
            }
            throw new OsError("building the cell's root: " + e.getCause());
        }
        try {
            Mounts.pivotRoot();
        } catch (OsError | RuntimeException e) {
            cell.close();
            throw e;
        }
        return cell;
    }

    /**
     * The cell's /proc, mounted by this root's helper once it is given PID 1; the caller closes it (the
     * helper ends then if none came).
     */
    public ProcMount proc() {
        return proc;
    }

    /** When the cell does not get as far as its pivot: closes what the build opened, once it is done. */
    public void discard() {
        proc.close();
        if (taken.compareAndSet(false, true)) {
            staged.thenAccept(MountedCell::close);
        }
    }

    private void build(int launchTid, MountPlan plan, List<MountOp> program) {
        int hostProc = -1;
        try {
            try {
                hostProc = LibC.INSTANCE.open("/proc", Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC);
                Mounts.enterMountNamespace(hostProc, "self/task/" + launchTid + "/ns/mnt");
                staged.complete(Mounts.stage(plan, program));
            } catch (OsError | Refusal | RuntimeException e) {
                staged.completeExceptionally(e);
                proc.failed(e); // no root, so no /proc to mount either
                return;
            }
            proc.mountWhenGiven(hostProc, MountProgram.compileProc()); // after the pivot: the helper's root moved with it
        } finally {
            if (hostProc >= 0) {
                LibC.INSTANCE.close(hostProc);
            }
        }
    }
}
