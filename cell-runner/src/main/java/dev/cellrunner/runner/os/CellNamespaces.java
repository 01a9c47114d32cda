package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import dev.cellrunner.linux.Linux;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Moves the calling thread (a cell's launch thread) into fresh network, mount, PID, IPC and UTS
 * namespaces of its own; the rest of the runner stays where it is. A user namespace cannot be made
 * this way (the kernel wants a single-threaded caller). CLONE_NEWNS gives the thread a filesystem
 * context of its own too, so a later pivot_root moves only this thread. After CLONE_NEWPID the
 * thread's next child is PID 1 of the new PID namespace.
 */
public final class CellNamespaces {
    /** The namespaces a cell gets, as /proc/&lt;pid&gt;/ns names them. */
    public static final List<String> KINDS = List.of("mnt", "pid", "ipc", "uts", "net");
    private static final int ALL_BUT_NETWORK = Linux.CLONE_NEWNS | Linux.CLONE_NEWPID
            | Linux.CLONE_NEWIPC | Linux.CLONE_NEWUTS;

    private CellNamespaces() {
    }

    /** Enters a new network namespace: the first of the cell's, and the costly one to make. */
    public static void enterNetwork() throws OsError {
        try {
            LibC.INSTANCE.unshare(Linux.CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new OsError("unshare(CLONE_NEWNET)", e);
        }
    }

    /**
     * Enters the other new namespaces, makes every mount private (nothing the cell mounts reaches the
     * host, nothing the host mounts later reaches the cell) and names the new UTS namespace {@code hostname}.
     */
    public static void enterAllButNetwork(String hostname) throws OsError {
        LibC libc = LibC.INSTANCE;
        try {
            libc.unshare(ALL_BUT_NETWORK);
        } catch (LastErrorException e) {
            throw new OsError("unshare(CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWIPC|CLONE_NEWUTS)", e);
        }
        try {
            libc.mount(null, "/", null, Linux.MS_REC | Linux.MS_PRIVATE, null);
        } catch (LastErrorException e) {
            throw new OsError("mount(/, MS_REC|MS_PRIVATE)", e);
        }
        byte[] name = hostname.getBytes(StandardCharsets.US_ASCII);
        try {
            libc.sethostname(name, name.length);
        } catch (LastErrorException e) {
            throw new OsError("sethostname(" + hostname + ")", e);
        }
    }
}
