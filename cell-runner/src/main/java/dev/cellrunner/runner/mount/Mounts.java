package dev.cellrunner.runner.mount;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.QuietLibC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.cellrunner.linux.Linux.AT_EMPTY_PATH;
import static dev.cellrunner.linux.Linux.AT_FDCWD;
import static dev.cellrunner.linux.Linux.AT_RECURSIVE;

/**
 * Performs a compiled mount program ({@link MountProgram}) on a thread in the cell's mount namespace with a
 * filesystem context of its own ({@link StagedRoot}'s helper, then the launch thread for the pivot_root). Binds are made with the new
 * mount API from descriptors: each is cloned detached, gets its attributes, and only then is attached,
 * so no mount is ever visible with weaker attributes than planned, and targets inside the new root are
 * resolved without following links.
 */
public final class Mounts {

    private final MountPlan plan;
    /** Where the cell's root is in the calling thread's view: the staging point, or "" once inside it. */
    private final String root;
    private final List<MountedCell.Declared> declared = new ArrayList<>();
    /** Host paths bound into the cell, opened before the new root is staged (it may shadow them: /tmp). */
    private final java.util.Map<String, Integer> hostSources = new java.util.HashMap<>();
    private String proc = MountedCell.PROC_OF_CELL;
    private int pidNamespace = -1;
    /** The cell's root, opened once it is staged: every target inside it is resolved from here. */
    private int rootFd = -1;
    /** The mount_setattr argument, reused by every call of the program. */
    private final Memory attr = new Memory(Linux.MOUNT_ATTR_SIZE);

    private Mounts(MountPlan plan, String root) {
        this.plan = plan;
        this.root = root;
    }

    /**
     * Runs {@code program} up to its pivot_root ({@link #pivotRoot}, left to the launch thread) on a
     * thread of the cell's mount namespace with a filesystem context of its own. The caller closes the
     * result once landlock has its rules.
     */
    static MountedCell stage(MountPlan plan, List<MountOp> program) throws OsError, Refusal {
        Mounts mounts = new Mounts(plan, MountProgram.STAGE);
        // the thread's filesystem context is its own (entering or unsharing a mount namespace needs that), so
        // is its umask: cleared, every directory and file gets exactly its planned mode without a chmod
        int umask = LibC.INSTANCE.umask(0);
        try {
            mounts.openDeclared();
            mounts.openHostSources(program);
            for (MountOp op : program) {
                mounts.perform(op);
            }
        } catch (OsError | Refusal | RuntimeException e) {
            new MountedCell(mounts.declared, mounts.proc).close();
            throw e;
        } finally {
            LibC.INSTANCE.umask(umask);
            mounts.release();
        }
        return new MountedCell(mounts.declared, mounts.proc);
    }

    private void release() {
        hostSources.values().forEach(LibC.INSTANCE::close);
        if (rootFd >= 0) {
            LibC.INSTANCE.close(rootFd);
        }
        attr.close();
    }

    /**
     * Runs the /proc program ({@link MountProgram#compileProc}) on the calling thread, the helper that built
     * the cell's root and is still in its mount namespace (its root moved to the cell's by the launch
     * thread's pivot_root): waits for the cell's PID 1 ({@code pid1}, a host PID; {@link ProcMount#NO_PID1}
     * when none will come) and mounts. {@code hostProc}: the host's /proc, opened before the namespace was
     * entered. Returns "pidns", or why the cell keeps an empty /proc; null when no PID 1 came.
     */
    static String mountProc(int hostProc, java.util.concurrent.Future<Long> pid1, List<MountOp> program)
            throws OsError, InterruptedException {
        LibC libc = LibC.INSTANCE;
        long pid = waitFor(pid1);
        if (pid == ProcMount.NO_PID1) {
            return null;
        }
        Mounts mounts = new Mounts(null, "");
        try {
            // the host's /proc, opened before the cell's namespace was entered: there /proc is the cell's
            mounts.pidNamespace = libc.openat(hostProc, pid + "/ns/pid", Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
            mounts.rootFd = libc.open("/", Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC);
            for (MountOp op : program) {
                mounts.perform(op);
            }
        } catch (LastErrorException e) {
            throw new OsError("open(/proc/" + pid + "/ns/pid) or the cell's root", e);
        } catch (Refusal e) {
            throw new OsError(e.getMessage());
        } finally {
            if (mounts.pidNamespace >= 0) {
                libc.close(mounts.pidNamespace);
            }
            mounts.release();
        }
        return mounts.proc;
    }

    /** Makes the calling thread's filesystem context its own and enters the mount namespace /proc/{@code namespace}. */
    static void enterMountNamespace(int hostProc, String namespace) throws OsError {
        LibC libc = LibC.INSTANCE;
        int mnt;
        try {
            mnt = libc.openat(hostProc, namespace, Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new OsError("open(/proc/" + namespace + ")", e);
        }
        try {
            libc.unshare(Linux.CLONE_FS);
            libc.setns(mnt, Linux.CLONE_NEWNS);
        } catch (LastErrorException e) {
            throw new OsError("entering the cell's mount namespace", e);
        } finally {
            libc.close(mnt);
        }
    }

    private static long waitFor(java.util.concurrent.Future<Long> pid1) throws InterruptedException, OsError {
        try {
            return pid1.get();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
            throw new OsError("no PID 1 for the cell's /proc: " + e);
        }
    }

    /**
     * Resolves and opens each declared path once, before anything is mounted; a path that now resolves
     * elsewhere than at planning (a link swapped meanwhile) refuses the cell.
     */
    private void openDeclared() throws OsError, Refusal {
        for (MountPlan.DeclaredMount mount : plan.declared()) {
            int fd;
            try {
                fd = LibC.INSTANCE.open(mount.declared(), Linux.O_PATH | Linux.O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new Refusal(mount.source(), mount.declared() + " cannot be opened at launch: "
                        + LibC.INSTANCE.strerror(e.getErrorCode()));
            }
            Path real = Path.of(readLink("/proc/thread-self/fd/" + fd));
            declared.add(new MountedCell.Declared(mount, real, fd));
            if (!real.equals(mount.planned())) {
                throw new Refusal(mount.source(), mount.declared() + " resolved to " + mount.planned()
                        + " when the cell was planned and to " + real + " at launch: it changed meanwhile");
            }
        }
    }

    /**
     * Opens every host path the program binds in (O_PATH), while the host's tree is still what it sees;
     * each is cloned where the program binds it, so mounts get their IDs (and their order in the cell's
     * mountinfo) in the program's order.
     */
    private void openHostSources(List<MountOp> program) throws OsError {
        for (MountOp op : program) {
            if (op instanceof MountOp.Bind bind && bind.source().place() == MountOp.Place.HOST) {
                try {
                    hostSources.put(bind.source().path(), LibC.INSTANCE.open(bind.source().path(),
                            Linux.O_PATH | Linux.O_CLOEXEC));
                } catch (LastErrorException e) {
                    throw new OsError("open(" + bind.source().path() + ", O_PATH) to bind it into the cell", e);
                }
            }
        }
    }

    private void perform(MountOp op) throws OsError, Refusal {
        if (op instanceof MountOp.StageRoot) {
            mount("/", MountProgram.STAGE, null, Linux.MS_BIND | Linux.MS_REC, null);
            try {
                rootFd = LibC.INSTANCE.open(MountProgram.STAGE, Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new OsError("open(the cell's new root)", e);
            }
        } else if (op instanceof MountOp.SetAttributes set) {
            setAttributes(AT_FDCWD, path(set.target()), set.recursive() ? AT_RECURSIVE : 0, set.set(), set.clear());
        } else if (op instanceof MountOp.Tmpfs tmpfs) {
            mount("tmpfs", path(tmpfs.target()), "tmpfs", msFlags(tmpfs.attributes()),
                    "size=" + tmpfs.bytes() + ",mode=" + Integer.toOctalString(tmpfs.mode()));
        } else if (op instanceof MountOp.MakeDir dir) {
            makeDir(path(dir.target()), dir.mode());
        } else if (op instanceof MountOp.MakeFile file) {
            makeFile(path(file.target()), file.mode());
        } else if (op instanceof MountOp.Symlink link) {
            symlink(link.linkText(), path(link.target()));
        } else if (op instanceof MountOp.Bind bind) {
            bind(path(bind.source()), path(bind.target()), bind.attributes(), true);
        } else if (op instanceof MountOp.BindIfPresent bind) {
            if (bind.source().equals(bind.target())) {
                bindInPlace(bind.target().path(), bind.attributes());
            } else if (exists(path(bind.source()))) {
                bind(path(bind.source()), path(bind.target()), bind.attributes(), true);
            }
        } else if (op instanceof MountOp.Proc procMount) {
            mountProc(path(procMount.target()));
        } else if (op instanceof MountOp.Devpts devpts) {
            mount("devpts", path(devpts.target()), "devpts", Linux.MS_NOSUID | Linux.MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620");
        } else if (op instanceof MountOp.BindDeclared bind) {
            bindDeclared(bind.declared());
        } else if (op instanceof MountOp.Provide provide) {
            provide(provide);
        } else if (op instanceof MountOp.Mask mask) {
            mask(mask.target().path());
        } else if (op instanceof MountOp.PivotRoot) {
            throw new IllegalStateException("pivot_root is the launch thread's, after the program is staged");
        } else {
            throw new IllegalStateException("no such mount operation " + op);
        }
    }

    /** A declared path bound at its real path; where that is in a fresh mount, the mount point is made first. */
    private void bindDeclared(MountPlan.DeclaredMount mount) throws OsError {
        MountedCell.Declared opened = declared.get(mount.index());
        boolean writable = mount.access() == MountPlan.Access.READ_WRITE;
        if (opened.real().getNameCount() == 0) {
            setAttributes(AT_FDCWD, root, AT_RECURSIVE, 0, Linux.MOUNT_ATTR_RDONLY); // readWrite "/"
            return;
        }
        String real = opened.real().toString();
        if (MountProgram.inFreshMount(opened.real())) {
            makeMountPoint(real, isDirectory(opened.fd()));
        }
        long attributes = MountAttributes.NOSUID | MountAttributes.NODEV | (writable ? 0 : MountAttributes.RO);
        int tree = openTree(opened.fd(), "", AT_EMPTY_PATH, "declared " + real);
        try {
            setAttributes(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attributes, writable ? Linux.MOUNT_ATTR_RDONLY : 0);
            attach(tree, real);
        } finally {
            LibC.INSTANCE.close(tree);
        }
    }

    private void provide(MountOp.Provide provide) throws OsError, Refusal {
        MountPlan.ProvidedFile file = plan.provided().get(provide.index());
        String scratch = MountProgram.SCRATCH + "/provided/" + provide.index();
        LibC libc = LibC.INSTANCE;
        try {
            int fd = libc.openat(AT_FDCWD, scratch, Linux.O_WRONLY | Linux.O_CREAT | Linux.O_EXCL
                    | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, 0444);
            try (Memory content = new Memory(Math.max(1, file.content().length))) {
                content.write(0, file.content(), 0, file.content().length);
                long done = 0;
                while (done < file.content().length) {
                    long chunk = done;
                    done += Eintr.retry(() -> libc.write(fd, content.share(chunk), file.content().length - chunk));
                }
            } finally {
                libc.close(fd);
            }
            libc.chmod(scratch, 0444);
        } catch (LastErrorException e) {
            throw new OsError("writing the provided " + provide.target().path(), e);
        }
        String target = provide.target().path();
        if (MountProgram.inFreshMount(Path.of(target))) {
            makeMountPoint(target, false);
        } else if (!exists(root + target)) {
            throw new Refusal("mounts", "cannot provide " + target + ": the host has nothing at that path to mount over");
        }
        bind(scratch, root + target, MountAttributes.RO | MountAttributes.NOSUID | MountAttributes.NODEV, false);
    }

    /** Binds an empty read-only directory or file over {@code cellPath} when the cell could see it. */
    private void mask(String cellPath) throws OsError {
        int fd = openInCell(cellPath);
        if (fd < 0) {
            return; // not there, or not reachable without a link: nothing visible to hide
        }
        if (root.isEmpty()) {
            try {
                if (isDirectory(fd)) {
                    mount("tmpfs", cellPath, "tmpfs", Linux.MS_RDONLY | Linux.MS_NOSUID | Linux.MS_NODEV
                            | Linux.MS_NOEXEC, "size=4096,mode=0555");
                } else {
                    int tree = openTree(AT_FDCWD, "/dev/null", 0, "/dev/null");
                    try {
                        setAttributes(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, MountAttributes.RO
                                | MountAttributes.NOSUID | MountAttributes.NOEXEC, 0);
                        moveMount(tree, fd, cellPath);
                    } finally {
                        LibC.INSTANCE.close(tree);
                    }
                }
            } finally {
                LibC.INSTANCE.close(fd);
            }
            return;
        }
        try {
            String cover = MountProgram.SCRATCH + (isDirectory(fd) ? "/empty" : "/empty-file");
            int tree = openTree(AT_FDCWD, cover, 0, "mask material");
            try {
                setAttributes(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, MountAttributes.RO | MountAttributes.NOSUID
                        | MountAttributes.NODEV | MountAttributes.NOEXEC, 0);
                moveMount(tree, fd, cellPath);
            } finally {
                LibC.INSTANCE.close(tree);
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    /**
     * proc of the cell's PID namespace, named by the "pidns" option (Linux 6.15 and later); where the
     * kernel does not know the option, the cell keeps its empty, read-only /proc rather than the host's.
     */
    private void mountProc(String target) throws OsError {
        LibC libc = LibC.INSTANCE;
        int context;
        try {
            context = (int) libc.syscall(Linux.SYS_FSOPEN, "proc", (long) Linux.FSOPEN_CLOEXEC);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Linux.ENOSYS) {
                throw new OsError("fsopen(proc)", e);
            }
            emptyProc(target, "the kernel has no fsopen, so no proc of the cell's PID namespace can be made before it starts");
            return;
        }
        try {
            try {
                libc.syscall(Linux.SYS_FSCONFIG, (long) context, (long) Linux.FSCONFIG_SET_FD, "pidns", null,
                        (long) pidNamespace);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Linux.EINVAL) {
                    throw new OsError("fsconfig(proc, pidns)", e);
                }
                emptyProc(target, "the kernel's proc has no pidns option (Linux 6.15 and later)");
                return;
            }
            int mount;
            try {
                libc.syscall(Linux.SYS_FSCONFIG, (long) context, (long) Linux.FSCONFIG_CMD_CREATE, null, null, 0L);
                mount = (int) libc.syscall(Linux.SYS_FSMOUNT, (long) context, (long) Linux.FSMOUNT_CLOEXEC,
                        Linux.MOUNT_ATTR_NOSUID | Linux.MOUNT_ATTR_NODEV | Linux.MOUNT_ATTR_NOEXEC);
            } catch (LastErrorException e) {
                throw new OsError("creating the cell's proc", e);
            }
            try {
                attach(mount, target.substring(root.length()));
            } finally {
                libc.close(mount);
            }
        } finally {
            libc.close(context);
        }
    }

    private void emptyProc(String target, String why) {
        proc = why + "; " + target + " stays empty";
    }

    /** On the launch thread, once the program is staged: into the new root; the old one is detached. */
    static void pivotRoot() throws OsError {
        LibC libc = LibC.INSTANCE;
        try {
            libc.chdir(MountProgram.STAGE);
            libc.syscall(Linux.SYS_PIVOT_ROOT, ".", ".");
            libc.umount2(".", Linux.MNT_DETACH);
            libc.chdir("/");
        } catch (LastErrorException e) {
            throw new OsError("pivot_root into the cell's root", e);
        }
    }

    /** Clones {@code source} (recursively, detached), sets its attributes, then attaches it at {@code target}. */
    private void bind(String source, String target, long attributes, boolean recursive) throws OsError {
        Integer opened = hostSources.get(source);
        int tree = opened != null ? openTree(opened, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), source)
                : openTree(AT_FDCWD, source, recursive ? AT_RECURSIVE : 0, source);
        try {
            setAttributes(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attributes, 0);
            String inCell = root.isEmpty() ? target
                    : target.startsWith(root + "/") ? target.substring(root.length()) : null;
            if (inCell != null) {
                attach(tree, inCell);
            } else {
                moveMount(tree, AT_FDCWD, target);
            }
        } finally {
            LibC.INSTANCE.close(tree);
        }
    }

    /** Binds cell path {@code cellPath} over itself with {@code attributes}, when it is there. */
    private void bindInPlace(String cellPath, long attributes) throws OsError {
        int at = openInCell(cellPath);
        if (at < 0) {
            return;
        }
        try {
            int tree = openTree(at, "", AT_EMPTY_PATH | AT_RECURSIVE, cellPath);
            try {
                setAttributes(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attributes, 0);
                moveMount(tree, at, cellPath);
            } finally {
                LibC.INSTANCE.close(tree);
            }
        } finally {
            LibC.INSTANCE.close(at);
        }
    }

    /** Attaches a detached mount at cell path {@code cellPath}, resolved inside the new root without links. */
    private void attach(int tree, String cellPath) throws OsError {
        int target = openInCell(cellPath);
        if (target < 0) {
            throw new OsError("the mount point " + cellPath + " is missing in the cell's root or is reached through a link");
        }
        try {
            moveMount(tree, target, cellPath);
        } finally {
            LibC.INSTANCE.close(target);
        }
    }

    private static void moveMount(int tree, int targetFd, String what) throws OsError {
        try {
            if (targetFd == AT_FDCWD) {
                LibC.INSTANCE.syscall(Linux.SYS_MOVE_MOUNT, (long) tree, "", (long) AT_FDCWD, what,
                        (long) Linux.MOVE_MOUNT_F_EMPTY_PATH);
            } else {
                LibC.INSTANCE.syscall(Linux.SYS_MOVE_MOUNT, (long) tree, "", (long) targetFd, "",
                        (long) (Linux.MOVE_MOUNT_F_EMPTY_PATH | Linux.MOVE_MOUNT_T_EMPTY_PATH));
            }
        } catch (LastErrorException e) {
            throw new OsError("move_mount(" + what + ")", e);
        }
    }

    private static int openTree(int dirfd, String path, int flags, String what) throws OsError {
        try {
            return (int) LibC.INSTANCE.syscall(Linux.SYS_OPEN_TREE, (long) dirfd, path,
                    (long) (Linux.OPEN_TREE_CLONE | Linux.OPEN_TREE_CLOEXEC | flags));
        } catch (LastErrorException e) {
            throw new OsError("open_tree(" + what + ", OPEN_TREE_CLONE)", e);
        }
    }

    /** How long a read-only switch waits out writers it did not make (EBUSY): a file of the mount briefly open elsewhere. */
    private static final long BUSY_NANOS = 200_000_000L;

    private void setAttributes(int dirfd, String path, int flags, long set, long clear) throws OsError {
        try {
            attr.clear();
            attr.setLong(0, set);
            attr.setLong(8, clear);
            long deadline = System.nanoTime() + BUSY_NANOS;
            while (true) {
                try {
                    LibC.INSTANCE.syscall(Linux.SYS_MOUNT_SETATTR, (long) dirfd, path, (long) flags, attr,
                            (long) Linux.MOUNT_ATTR_SIZE);
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Linux.EBUSY || System.nanoTime() - deadline > 0) {
                        throw e;
                    }
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
        } catch (LastErrorException e) {
            throw new OsError("mount_setattr(" + (path.isEmpty() ? "a new mount" : path) + ", "
                    + MountAttributes.names(set, clear) + ")", e);
        }
    }

    /**
     * An O_PATH descriptor of {@code cellPath} in the new root, resolved as if the new root were "/" and
     * without following any link; -1 when it does not exist or a link is on the way.
     */
    private int openInCell(String cellPath) throws OsError {
        if (rootFd < 0) {
            throw new IllegalStateException("the cell's root is not staged yet");
        }
        long fd;
        try (Memory how = new Memory(Linux.OPEN_HOW_SIZE)) {
            how.clear();
            how.setLong(0, Linux.O_PATH | Linux.O_CLOEXEC | Linux.O_NOFOLLOW);
            how.setLong(16, Linux.RESOLVE_IN_ROOT | Linux.RESOLVE_NO_SYMLINKS | Linux.RESOLVE_NO_MAGICLINKS);
            String relative = cellPath.replaceFirst("^/+", "");
            // most paths asked for are absent (masks of what the host may have): an answer, not an error
            fd = QuietLibC.orMinusErrno(QuietLibC.INSTANCE.syscall(Linux.SYS_OPENAT2, (long) rootFd,
                    relative.isEmpty() ? "." : relative, how, (long) Linux.OPEN_HOW_SIZE));
        }
        if (fd >= 0) {
            return (int) fd;
        }
        int errno = (int) -fd;
        if (errno == Linux.ENOENT || errno == Linux.ELOOP || errno == Linux.ENOTDIR) {
            return -1;
        }
        throw new OsError("openat2(" + cellPath + " in the cell's root)", errno);
    }

    /**
     * Makes the directories leading to {@code cellPath} in a fresh mount (mode 0555: scaffolding nobody
     * in the cell may create files in, root included, as it has no CAP_DAC_OVERRIDE), and the mount point.
     */
    private void makeMountPoint(String cellPath, boolean directory) throws OsError {
        Path path = Path.of(cellPath);
        StringBuilder at = new StringBuilder(root);
        for (int i = 0; i < path.getNameCount(); i++) {
            at.append('/').append(path.getName(i));
            boolean last = i == path.getNameCount() - 1;
            String dir = at.toString();
            if (exists(dir)) {
                continue;
            }
            if (last && !directory) {
                makeFile(dir, 0444);
            } else {
                makeDir(dir, 0555);
            }
        }
    }

    private static void makeDir(String path, int mode) throws OsError {
        try {
            LibC.INSTANCE.mkdirat(AT_FDCWD, path, mode); // exact: the umask is cleared meanwhile
        } catch (LastErrorException e) {
            throw new OsError("mkdir(" + path + ")", e);
        }
    }

    /**
     * An empty regular file made without opening it: a descriptor open for writing, even for a moment,
     * is copied into any process another thread of the runner forks meanwhile (another cell's spawn),
     * and while that copy lives the mount cannot be made read-only (mount_setattr: EBUSY).
     */
    private static void makeFile(String path, int mode) throws OsError {
        try {
            LibC.INSTANCE.mknodat(AT_FDCWD, path, Linux.S_IFREG | mode, 0); // exact: the umask is cleared
        } catch (LastErrorException e) {
            throw new OsError("creating " + path, e);
        }
    }

    private static void symlink(String text, String path) throws OsError {
        try {
            LibC.INSTANCE.symlinkat(text, AT_FDCWD, path);
        } catch (LastErrorException e) {
            throw new OsError("symlink(" + path + ")", e);
        }
    }

    private static void mount(String source, String target, String type, long flags, String data) throws OsError {
        try {
            LibC.INSTANCE.mount(source, target, type, flags, data);
        } catch (LastErrorException e) {
            throw new OsError("mount(" + (type == null ? source : type) + " on " + target + ")", e);
        }
    }

    private static long msFlags(long attributes) {
        long flags = 0;
        flags |= (attributes & MountAttributes.RO) != 0 ? Linux.MS_RDONLY : 0;
        flags |= (attributes & MountAttributes.NOSUID) != 0 ? Linux.MS_NOSUID : 0;
        flags |= (attributes & MountAttributes.NODEV) != 0 ? Linux.MS_NODEV : 0;
        flags |= (attributes & MountAttributes.NOEXEC) != 0 ? Linux.MS_NOEXEC : 0;
        return flags;
    }

    private String path(MountOp.At at) {
        return switch (at.place()) {
            case HOST -> at.path();
            case CELL -> at.path().equals("/") && !root.isEmpty() ? root : root + at.path();
            case SCRATCH -> MountProgram.SCRATCH + at.path();
        };
    }

    private static boolean exists(String path) {
        return QuietLibC.closeIfOpened(QuietLibC.INSTANCE.open(path, Linux.O_PATH | Linux.O_NOFOLLOW | Linux.O_CLOEXEC)) >= 0;
    }

    private static boolean isDirectory(int fd) throws OsError {
        try (Memory stat = new Memory(Linux.STAT_SIZE)) {
            LibC.INSTANCE.fstat(fd, stat);
            return (stat.getInt(Linux.STAT_MODE_OFFSET) & Linux.S_IFMT) == Linux.S_IFDIR;
        } catch (LastErrorException e) {
            throw new OsError("fstat", e);
        }
    }

    private static String readLink(String path) throws OsError {
        byte[] buffer = new byte[4096];
        try {
            long n = LibC.INSTANCE.readlink(path, buffer, buffer.length);
            return new String(buffer, 0, (int) n, StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            throw new OsError("readlink(" + path + ")", e);
        }
    }
}
