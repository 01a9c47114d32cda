package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static dev.cellrunner.linux.Linux.AF_NETLINK;
import static dev.cellrunner.linux.Linux.F_DUPFD_CLOEXEC;
import static dev.cellrunner.linux.Linux.NETLINK_NETFILTER;
import static dev.cellrunner.linux.Linux.RLIMIT_NOFILE;
import static dev.cellrunner.linux.Linux.SOCK_CLOEXEC;
import static dev.cellrunner.linux.Linux.SOCK_RAW;
import static dev.cellrunner.linux.Linux.SOL_SOCKET;
import static dev.cellrunner.linux.Linux.SO_DOMAIN;
import static dev.cellrunner.linux.Linux.SO_PROTOCOL;

/**
 * libnftables, the library the {@code nft} command is a thin front end of, called in-process.
 *
 * <p>A context opens its netfilter netlink socket in {@code nft_ctx_new}, in the network namespace of
 * the calling thread, and acts on that namespace for its whole life; libnftables also looks interface
 * names up in the calling thread's namespace. So a {@link Session} is used only from threads in the
 * namespace it was opened in (checked on every call). libnftables keeps process-wide state (a one-time
 * init, the interface cache), so no two calls into it overlap, in the whole runner.
 *
 * <p>Closing a context closes its socket, and while the kernel is still releasing what any transaction
 * (anyone's, in any namespace) deleted in the last few milliseconds, that close waits for it (an RCU
 * grace period, about 10 ms here), holding the socket's namespace's nftables commit lock. So a session
 * keeps a duplicate of its context's socket: the context is freed under the lock, and the last close
 * of the socket, the one that may wait, comes after, on a timer thread for {@link Session#closeLater}. The context's socket is told apart from other
 * descriptors as the one NETLINK_NETFILTER socket that nft_ctx_new added (only this class makes such
 * sockets, always under the lock).
 *
 * <p>Two traps of the library are avoided here: it calls {@code exit()} when it cannot open its
 * netlink socket (so what that needs is checked first, and a failure is an error, not the end of the
 * runner), and it is only reachable as {@code libnftables.so.1} (no development symlink on most hosts).
 */
public final class Nftables {
    private static final String LIBRARY = "libnftables.so.1";
    private static final int NFT_CTX_DEFAULT = 0;
    private static final int NFT_CTX_OUTPUT_JSON = 1 << 4;
    private static final int SPARE_DESCRIPTORS = 16;
    private static final ReentrantLock ONE_CALL_AT_A_TIME = new ReentrantLock();
    /**
     * Its one thread is started with the class: a cell's launch thread, which closes sessions too,
     * cannot create threads once it is in the cell's PID namespace (the kernel refuses CLONE_THREAD
     * across PID namespaces).
     */
    private static final ThreadPoolExecutor LATER = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "nftables-close");
                thread.setDaemon(true);
                return thread;
            });

    static {
        LATER.prestartCoreThread();
    }
    private static volatile Lib lib;
    private static boolean netfilterChecked;

    private Nftables() {
    }

    /** Loads the class (and so starts its closing thread) on the calling thread, which must not be a launch thread. */
    public static void prepareForLaunchThreads() {
        // the static initialiser did it
    }

    /** What one command buffer did: libnftables' status, its output (JSON for listings) and its errors. */
    public record Result(int status, String output, String errors) {
        public boolean ok() {
            return status == 0;
        }

        /** The first line of the errors, for a one-line reason in an event. */
        public String error() {
            String text = errors.strip();
            return text.isEmpty() ? "libnftables status " + status : text.lines().findFirst().orElse(text);
        }
    }

    /** libnftables cannot be loaded here: nftables is not installed, or not usable. */
    public static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Opens a session in the calling thread's network namespace. */
    public static Session open() throws Unavailable, OsError {
        Lib library = library();
        String namespace = namespaceOfThisThread();
        ONE_CALL_AT_A_TIME.lock();
        try {
            Set<Integer> before = openDescriptors();
            checkSocketCanOpen(before.size());
            Pointer ctx = library.nft_ctx_new(NFT_CTX_DEFAULT);
            if (ctx == null) {
                throw new OsError("nft_ctx_new failed");
            }
            if (library.nft_ctx_buffer_output(ctx) != 0 || library.nft_ctx_buffer_error(ctx) != 0) {
                library.nft_ctx_free(ctx);
                throw new OsError("libnftables cannot buffer its output");
            }
            Set<Integer> added = openDescriptors();
            added.removeAll(before);
            Set<Integer> socket = netfilterSockets(added);
            return new Session(library, ctx, namespace, socket.size() == 1 ? socket.iterator().next() : -1);
        } catch (UnsatisfiedLinkError e) {
            throw new Unavailable(LIBRARY + " is too old or incomplete: " + firstLine(e.getMessage()), e);
        } finally {
            ONE_CALL_AT_A_TIME.unlock();
        }
    }

    /** Throws when libnftables cannot be loaded on this host: then no cell with a network could be filtered. */
    public static void requireLibrary() throws Unavailable {
        library();
    }

    /** Loads the library once; a failure is retried at the next call (it may be installed meanwhile). */
    private static Lib library() throws Unavailable {
        Lib loaded = lib;
        if (loaded == null) {
            try {
                loaded = Native.load(LIBRARY, Lib.class);
            } catch (UnsatisfiedLinkError e) {
                throw new Unavailable("nftables is not installed: cannot load " + LIBRARY + " (package libnftables1 or "
                        + "nftables): " + loaderError(e.getMessage()), e);
            }
            lib = loaded;
        }
        return loaded;
    }

    /**
     * libnftables exits the process when nft_ctx_new cannot open its socket. That happens without
     * nf_tables in the kernel (tried once, with a socket of our own) or without a free descriptor
     * (checked every time; a probe socket each time would cost a close, which may wait: see above).
     */
    private static void checkSocketCanOpen(int open) throws OsError {
        if (!netfilterChecked) {
            try {
                LibC.INSTANCE.close(LibC.INSTANCE.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
            } catch (LastErrorException e) {
                throw new OsError("socket(AF_NETLINK, NETLINK_NETFILTER) for nftables", e);
            }
            netfilterChecked = true;
        }
        try (Memory limit = new Memory(16)) {
            LibC.INSTANCE.getrlimit(RLIMIT_NOFILE, limit);
            if (limit.getLong(0) - open < SPARE_DESCRIPTORS) {
                throw new OsError("too few free file descriptors for nftables: " + open + " open, limit "
                        + limit.getLong(0));
            }
        } catch (LastErrorException e) {
            throw new OsError("getrlimit(RLIMIT_NOFILE)", e);
        }
    }

    /** This process's open descriptors. */
    static Set<Integer> openDescriptors() throws OsError {
        Set<Integer> open = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path entry : fds) {
                open.add(Integer.parseInt(entry.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new OsError("cannot list /proc/self/fd: " + e.getMessage());
        }
        return open;
    }

    /** Those of {@code descriptors} that are NETLINK_NETFILTER sockets. */
    static Set<Integer> netfilterSockets(Set<Integer> descriptors) {
        Set<Integer> sockets = new HashSet<>();
        try (Memory value = new Memory(4)) {
            IntByReference length = new IntByReference();
            for (int fd : descriptors) {
                if (option(fd, SO_DOMAIN, value, length) == AF_NETLINK
                        && option(fd, SO_PROTOCOL, value, length) == NETLINK_NETFILTER) {
                    sockets.add(fd);
                }
            }
        }
        return sockets;
    }

    /** A socket option's int value, or -1 for a descriptor that is no socket (or is gone). */
    private static int option(int fd, int option, Memory value, IntByReference length) {
        length.setValue(4);
        return QuietLibC.INSTANCE.getsockopt(fd, SOL_SOCKET, option, value, length) < 0 ? -1 : value.getInt(0);
    }

    /** The calling thread's network namespace as the kernel names it, e.g. "net:[4026531840]". */
    public static String namespaceOfThisThread() throws OsError {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        } catch (IOException e) {
            throw new OsError("cannot read /proc/thread-self/ns/net: " + e.getMessage());
        }
    }

    /** JNA's first line only says it failed; the dynamic loader's reason is on the next. */
    private static String loaderError(String text) {
        if (text == null) {
            return "";
        }
        return text.lines().filter(line -> !line.isBlank() && !line.startsWith("Unable to load library")).findFirst()
                .orElse(firstLine(text));
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }

    /** One libnftables context, bound to the network namespace it was opened in. */
    public static final class Session implements AutoCloseable {
        private final Lib library;
        private final String namespace;
        /** The context's netlink socket, or -1 when it could not be told apart. */
        private final int socket;
        private Pointer ctx;

        private Session(Lib library, Pointer ctx, String namespace, int socket) {
            this.library = library;
            this.ctx = ctx;
            this.namespace = namespace;
            this.socket = socket;
        }

        /** Runs an nft script (as {@code nft -f} would: one transaction); output is nft's text. */
        public Result run(String script) throws OsError {
            return execute(script, 0);
        }

        /** Runs a listing command (e.g. {@code list ruleset}); output is nft's JSON, as {@code nft -j}. */
        public Result listJson(String command) throws OsError {
            return execute(command, NFT_CTX_OUTPUT_JSON);
        }

        private Result execute(String commands, int outputFlags) throws OsError {
            checkNamespace();
            byte[] text = commands.getBytes(StandardCharsets.UTF_8);
            byte[] terminated = new byte[text.length + 1];
            System.arraycopy(text, 0, terminated, 0, text.length);
            ONE_CALL_AT_A_TIME.lock();
            try {
                checkOpen();
                library.nft_ctx_output_set_flags(ctx, outputFlags);
                int status = library.nft_run_cmd_from_buffer(ctx, terminated);
                return new Result(status, string(library.nft_ctx_get_output_buffer(ctx)),
                        string(library.nft_ctx_get_error_buffer(ctx)));
            } finally {
                ONE_CALL_AT_A_TIME.unlock();
            }
        }

        private void checkNamespace() throws OsError {
            String caller = namespaceOfThisThread();
            if (!caller.equals(namespace)) {
                throw new IllegalStateException("an nftables session opened in " + namespace
                        + " is used only from threads in that namespace, not from " + caller);
            }
        }

        private void checkOpen() {
            if (ctx == null) {
                throw new IllegalStateException("the nftables session is closed");
            }
        }

        private static String string(Pointer buffer) {
            return buffer == null ? "" : buffer.getString(0, StandardCharsets.UTF_8.name());
        }

        /** Closes this session on a timer thread: the caller does not wait for the kernel (see above). */
        public void closeLater() {
            LATER.execute(this::close);
        }

        @Override
        public void close() {
            int lastReference = -1;
            ONE_CALL_AT_A_TIME.lock();
            try {
                if (ctx == null) {
                    return;
                }
                if (socket >= 0) {
                    try {
                        lastReference = LibC.INSTANCE.fcntl(socket, F_DUPFD_CLOEXEC, 0);
                    } catch (LastErrorException e) {
                        lastReference = -1; // then nft_ctx_free makes the last close, under the lock
                    }
                }
                library.nft_ctx_free(ctx);
                ctx = null;
            } finally {
                ONE_CALL_AT_A_TIME.unlock();
            }
            if (lastReference >= 0) {
                LibC.INSTANCE.close(lastReference);
            }
        }
    }

    /** The entry points used, as declared in nftables/libnftables.h. */
    interface Lib extends Library {
        Pointer nft_ctx_new(int flags);

        void nft_ctx_free(Pointer ctx);

        int nft_ctx_buffer_output(Pointer ctx);

        int nft_ctx_buffer_error(Pointer ctx);

        Pointer nft_ctx_get_output_buffer(Pointer ctx);

        Pointer nft_ctx_get_error_buffer(Pointer ctx);

        void nft_ctx_output_set_flags(Pointer ctx, int flags);

        int nft_run_cmd_from_buffer(Pointer ctx, byte[] buffer);
    }
}
