package dev.cellrunner.runner.mount;

import dev.cellrunner.runner.mount.MountOp.At;

import java.util.ArrayList;
import java.util.List;

import static dev.cellrunner.runner.mount.MountAttributes.NODEV;
import static dev.cellrunner.runner.mount.MountAttributes.NOEXEC;
import static dev.cellrunner.runner.mount.MountAttributes.NOSUID;
import static dev.cellrunner.runner.mount.MountAttributes.RO;

/**
 * Compiles a {@link MountPlan} to the ordered operations that build a cell's root (pure; golden-tested):
 * <ol>
 *   <li>the host's tree bound recursively at the new root, then made read-only, nosuid and nodev as a
 *       mount (a second layer behind landlock: metadata changes of host files fail for a root cell too);</li>
 *   <li>a scratch tmpfs outside the new root holding the mask material, the files the runner provides
 *       and the cell's temp space: one size-capped tmpfs bound at /tmp, /var/tmp and /dev/shm;</li>
 *   <li>a minimal /dev (the usual nodes bound from the host, a devpts of its own, the /proc/self links);</li>
 *   <li>an empty /run (and /var/run) holding only cell-init, bound read-only;</li>
 *   <li>an empty, read-only /proc, over which {@link #compileProc} later mounts the cell's own;</li>
 *   <li>the declared paths bound in at their real paths, the provided files over theirs, and the
 *       runner-private paths masked wherever they are still visible;</li>
 *   <li>pivot_root into it; the old root is detached.</li>
 * </ol>
 */
public final class MountProgram {
    /** The staging point of the new root in the launch thread's namespace (host view). */
    public static final String STAGE = "/tmp";
    /** The runner's scratch tmpfs, outside the new root (host view); detached with the old root. */
    public static final String SCRATCH = "/run";
    /** Size of the scratch tmpfs beyond the temp space mounted inside it: masks and provided files. */
    static final long SCRATCH_BYTES = 4L << 20;
    static final long SMALL_BYTES = 1L << 20;
    /** Device nodes bound from the host, as bubblewrap's --dev gives them. */
    static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");
    /** proc files and directories that change the host or show other workloads: read-only. */
    static final List<String> PROC_READ_ONLY = List.of("bus", "fs", "irq", "sys", "sysrq-trigger");
    /** proc files that expose kernel memory, keys or timing of the whole host: masked. */
    static final List<String> PROC_MASKED = List.of("acpi", "asound", "kcore", "keys", "latency_stats", "timer_list",
            "timer_stats", "sched_debug", "scsi");

    private MountProgram() {
    }

    public static List<MountOp> compile(MountPlan plan) {
        List<MountOp> ops = new ArrayList<>();
        ops.add(new MountOp.StageRoot());
        ops.add(new MountOp.SetAttributes(At.cell("/"), RO | NOSUID | NODEV, 0, true));

        ops.add(new MountOp.Tmpfs(At.host(SCRATCH), SCRATCH_BYTES, 0700, NOSUID | NODEV | NOEXEC));
        ops.add(new MountOp.MakeDir(At.scratch("/empty"), 0555));
        ops.add(new MountOp.MakeFile(At.scratch("/empty-file"), 0444));
        ops.add(new MountOp.MakeDir(At.scratch("/provided"), 0755));
        ops.add(new MountOp.MakeDir(At.scratch("/temp"), 0755));
        ops.add(new MountOp.Tmpfs(At.scratch("/temp"), plan.tempBytes(), 0755, NOSUID | NODEV));
        ops.add(new MountOp.MakeDir(At.scratch("/temp/tmp"), 01777));
        ops.add(new MountOp.MakeDir(At.scratch("/temp/var-tmp"), 01777));
        ops.add(new MountOp.MakeDir(At.scratch("/temp/shm"), 01777));
        ops.add(new MountOp.Bind(At.scratch("/temp/tmp"), At.cell("/tmp"), NOSUID | NODEV));
        if (plan.hostDirs().contains("/var/tmp")) {
            ops.add(new MountOp.Bind(At.scratch("/temp/var-tmp"), At.cell("/var/tmp"), NOSUID | NODEV));
        }

        ops.add(new MountOp.Tmpfs(At.cell("/dev"), SMALL_BYTES, 0755, NOSUID | NOEXEC));
        for (String device : DEVICES) {
            ops.add(new MountOp.MakeFile(At.cell("/dev/" + device), 0666));
            ops.add(new MountOp.Bind(At.host("/dev/" + device), At.cell("/dev/" + device), NOSUID | NOEXEC));
        }
        ops.add(new MountOp.MakeDir(At.cell("/dev/pts"), 0755));
        ops.add(new MountOp.Devpts(At.cell("/dev/pts")));
        ops.add(new MountOp.Symlink(At.cell("/dev/ptmx"), "pts/ptmx"));
        ops.add(new MountOp.MakeDir(At.cell("/dev/shm"), 01777));
        ops.add(new MountOp.Bind(At.scratch("/temp/shm"), At.cell("/dev/shm"), NOSUID | NODEV));
        ops.add(new MountOp.Symlink(At.cell("/dev/fd"), "/proc/self/fd"));
        ops.add(new MountOp.Symlink(At.cell("/dev/stdin"), "/proc/self/fd/0"));
        ops.add(new MountOp.Symlink(At.cell("/dev/stdout"), "/proc/self/fd/1"));
        ops.add(new MountOp.Symlink(At.cell("/dev/stderr"), "/proc/self/fd/2"));
        ops.add(new MountOp.SetAttributes(At.cell("/dev"), RO, 0, false));

        ops.add(new MountOp.Tmpfs(At.cell("/run"), SMALL_BYTES, 0755, NOSUID | NODEV));
        ops.add(new MountOp.MakeFile(At.cell(MountPlan.INIT_PATH), 0555));
        ops.add(new MountOp.Bind(At.host(plan.init().toString()), At.cell(MountPlan.INIT_PATH), RO | NOSUID | NODEV));
        if (plan.hostDirs().contains("/var/run")) {
            ops.add(new MountOp.Tmpfs(At.cell("/var/run"), SMALL_BYTES, 0755, NOSUID | NODEV | NOEXEC));
        }

        // the host's /proc is never seen: this stays empty until the cell's own is mounted over it (compileProc)
        ops.add(new MountOp.Tmpfs(At.cell("/proc"), 4096, 0555, RO | NOSUID | NODEV | NOEXEC));

        for (MountPlan.DeclaredMount declared : plan.declared()) {
            ops.add(new MountOp.BindDeclared(declared));
        }
        for (int i = 0; i < plan.provided().size(); i++) {
            MountPlan.ProvidedFile file = plan.provided().get(i);
            ops.add(new MountOp.Provide(i, At.cell(file.path().toString()), file.content().length));
        }
        for (var path : plan.privatePaths()) {
            ops.add(new MountOp.Mask(At.cell(path.toString())));
        }
        ops.add(new MountOp.SetAttributes(At.cell("/run"), RO, 0, false));
        if (plan.hostDirs().contains("/var/run")) {
            ops.add(new MountOp.SetAttributes(At.cell("/var/run"), RO, 0, false));
        }
        ops.add(new MountOp.PivotRoot());
        return ops;
    }

    /**
     * The cell's /proc, mounted once its PID 1 exists (the kernel resolves a PID namespace only once it
     * has a first process): a proc instance of the cell's PID namespace over the empty one, its
     * host-wide knobs read-only, its kernel-internal files masked.
     */
    public static List<MountOp> compileProc() {
        List<MountOp> ops = new ArrayList<>();
        ops.add(new MountOp.Proc(At.cell("/proc")));
        for (String name : PROC_READ_ONLY) {
            ops.add(new MountOp.BindIfPresent(At.cell("/proc/" + name), At.cell("/proc/" + name), RO | NOSUID | NODEV | NOEXEC));
        }
        for (String name : PROC_MASKED) {
            ops.add(new MountOp.Mask(At.cell("/proc/" + name)));
        }
        return ops;
    }

    /** Whether cell path {@code path} lies in one of the cell's fresh mounts (where host files are not seen). */
    public static boolean inFreshMount(java.nio.file.Path path) {
        return MountPlan.FRESH.stream().anyMatch(dir -> path.startsWith(dir));
    }
}
