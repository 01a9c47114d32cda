package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.cellrunner.linux.Linux.AF_INET;
import static dev.cellrunner.linux.Linux.IFF_UP;
import static dev.cellrunner.linux.Linux.SIOCGIFFLAGS;
import static dev.cellrunner.linux.Linux.SIOCSIFFLAGS;
import static dev.cellrunner.linux.Linux.SOCK_CLOEXEC;
import static dev.cellrunner.linux.Linux.SOCK_DGRAM;

/** Moves the calling thread into a fresh network namespace and brings its loopback up. */
public final class NetworkNamespace {
    private static final int IFREQ_SIZE = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;

    private NetworkNamespace() {
    }

    /** unshare(CLONE_NEWNET) for this thread only; children it spawns are born inside. */
    public static void enterNew() throws OsError {
        try {
            LibC.INSTANCE.unshare(Linux.CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new OsError("unshare(CLONE_NEWNET)", e);
        }
    }

    /** Sets IFF_UP on "lo" in the calling thread's namespace (a socket lives in its creator's namespace). */
    public static void bringLoopbackUp() throws OsError {
        LibC libc = LibC.INSTANCE;
        int fd;
        try {
            fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new OsError("socket(AF_INET) for lo", e);
        }
        try (Memory ifreq = new Memory(IFREQ_SIZE)) {
            ifreq.clear();
            ifreq.setString(0, "lo", "US-ASCII");
            libc.ioctl(fd, SIOCGIFFLAGS, ifreq);
            short flags = ifreq.getShort(IFREQ_FLAGS_OFFSET);
            ifreq.setShort(IFREQ_FLAGS_OFFSET, (short) (flags | IFF_UP));
            libc.ioctl(fd, SIOCSIFFLAGS, ifreq);
        } catch (LastErrorException e) {
            throw new OsError("ioctl(SIOCSIFFLAGS, lo up)", e);
        } finally {
            libc.close(fd);
        }
    }

    /** The namespace identity of a thread as the kernel reports it, e.g. "net:[4026532281]". */
    public static String identityOf(long pid, long tid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "ns", "net"))
                .toString();
    }
}
