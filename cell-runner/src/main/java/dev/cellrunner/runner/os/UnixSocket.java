package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import dev.cellrunner.linux.Eintr;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static dev.cellrunner.linux.Linux.AF_UNIX;
import static dev.cellrunner.linux.Linux.EAGAIN;
import static dev.cellrunner.linux.Linux.MSG_NOSIGNAL;
import static dev.cellrunner.linux.Linux.SHUT_RDWR;
import static dev.cellrunner.linux.Linux.SHUT_WR;
import static dev.cellrunner.linux.Linux.SOCK_CLOEXEC;
import static dev.cellrunner.linux.Linux.SOCK_STREAM;
import static dev.cellrunner.linux.Linux.SOL_SOCKET;
import static dev.cellrunner.linux.Linux.SO_PEERCRED;
import static dev.cellrunner.linux.Linux.SO_PEERPIDFD;
import static dev.cellrunner.linux.Linux.SO_RCVTIMEO;
import static dev.cellrunner.linux.Linux.SO_SNDTIMEO;

/**
 * An AF_UNIX stream socket on a raw descriptor (close-on-exec), so the server can ask the kernel who
 * connected (SO_PEERCRED), which the JDK's channels do not tell. {@link #shutdown()} wakes a thread
 * blocked in {@link #accept()} or {@link #read}; {@link #close()} must come only after such threads are done.
 */
public final class UnixSocket implements Closeable {
    /** sun_path holds 108 bytes including the terminating NUL. */
    public static final int MAX_PATH_BYTES = 107;

    private final int fd;
    private final Memory readBuffer = new Memory(64 * 1024);
    private final Memory writeBuffer = new Memory(64 * 1024);
    private boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /** Binds {@code path} (which must not exist) and listens. */
    public static UnixSocket listen(Path path, int backlog) throws IOException {
        UnixSocket socket = open();
        try {
            Memory address = address(path);
            call("bind " + path, () -> LibC.INSTANCE.bind(socket.fd, address, 110));
            call("listen " + path, () -> LibC.INSTANCE.listen(socket.fd, backlog));
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    public static UnixSocket connect(Path path) throws IOException {
        UnixSocket socket = open();
        try {
            Memory address = address(path);
            call("connect " + path, () -> LibC.INSTANCE.connect(socket.fd, address, 110));
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The next client; throws once {@link #shutdown()} was called. */
    public UnixSocket accept() throws IOException {
        try {
            return new UnixSocket((int) Eintr.retry(() -> LibC.INSTANCE.accept4(fd, null, null, SOCK_CLOEXEC)));
        } catch (LastErrorException e) {
            throw failure("accept", e);
        }
    }

    public PeerCredentials peer() throws IOException {
        try (Memory ucred = new Memory(12)) {
            IntByReference length = new IntByReference(12);
            call("getsockopt SO_PEERCRED", () -> LibC.INSTANCE.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length));
            return new PeerCredentials(ucred.getInt(0), ucred.getInt(4), ucred.getInt(8));
        }
    }

    /**
     * A pidfd of the peer process (SO_PEERPIDFD, Linux 6.5+), which pins its identity: its pid cannot be
     * reused while the pidfd shows it. Empty where the kernel does not offer it.
     */
    public java.util.OptionalInt peerPidFd() {
        try (Memory value = new Memory(4)) {
            IntByReference length = new IntByReference(4);
            LibC.INSTANCE.getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, value, length);
            return java.util.OptionalInt.of(value.getInt(0));
        } catch (LastErrorException e) {
            return java.util.OptionalInt.empty();
        }
    }

    /** A read or write that waits longer fails ({@link SocketTimeoutException}); zero means wait forever. */
    public void timeouts(Duration receive, Duration send) throws IOException {
        setTimeout(SO_RCVTIMEO, receive);
        setTimeout(SO_SNDTIMEO, send);
    }

    private void setTimeout(int option, Duration timeout) throws IOException {
        try (Memory timeval = new Memory(16)) {
            timeval.setLong(0, timeout.toSeconds());
            timeval.setLong(8, timeout.toNanosPart() / 1000);
            call("setsockopt", () -> LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, option, timeval, 16));
        }
    }

    /** Up to {@code length} bytes; -1 at end of stream. */
    public int read(byte[] bytes, int offset, int length) throws IOException {
        int want = (int) Math.min(length, readBuffer.size());
        try {
            long n = Eintr.retry(() -> LibC.INSTANCE.read(fd, readBuffer, want));
            if (n == 0) {
                return -1;
            }
            readBuffer.read(0, bytes, offset, (int) n);
            return (int) n;
        } catch (LastErrorException e) {
            throw failure("read", e);
        }
    }

    /** This socket as a stream, for one reader at a time. */
    public InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                return length == 0 ? 0 : UnixSocket.this.read(bytes, offset, length);
            }
        };
    }

    /** This socket as a stream; each write is whole (writes are serialised). */
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                UnixSocket.this.write(bytes, offset, length);
            }
        };
    }

    /** Writes everything; a gone peer is an IOException, never SIGPIPE. */
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        for (int done = 0; done < length; ) {
            int chunk = (int) Math.min(length - done, writeBuffer.size());
            writeBuffer.write(0, bytes, offset + done, chunk);
            try {
                done += (int) Eintr.retry(() -> LibC.INSTANCE.send(fd, writeBuffer, chunk, MSG_NOSIGNAL));
            } catch (LastErrorException e) {
                throw failure("send", e);
            }
        }
    }

    /** No more writes from this side; the peer reads end of stream. */
    public void shutdownOutput() {
        shutdown(SHUT_WR);
    }

    /** Wakes whoever is blocked on this socket; the peer sees end of stream. */
    public void shutdown() {
        shutdown(SHUT_RDWR);
    }

    private void shutdown(int how) {
        try {
            LibC.INSTANCE.shutdown(fd, how);
        } catch (LastErrorException ignored) {
            // not connected (any more): nothing to wake
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                LibC.INSTANCE.close(fd);
            } catch (LastErrorException ignored) {
                // the descriptor is released either way
            }
        }
        readBuffer.close();
        writeBuffer.close();
    }

    private static UnixSocket open() throws IOException {
        try {
            return new UnixSocket(LibC.INSTANCE.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        } catch (LastErrorException e) {
            throw failure("socket", e);
        }
    }

    private static Memory address(Path path) throws IOException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            throw new IOException("socket path " + path + " is " + bytes.length + " bytes; at most "
                    + MAX_PATH_BYTES + " fit in a Unix socket address");
        }
        Memory address = new Memory(110);
        address.clear();
        address.setShort(0, (short) AF_UNIX);
        address.write(2, bytes, 0, bytes.length);
        return address;
    }

    private interface Call {
        int run() throws LastErrorException;
    }

    private static void call(String what, Call call) throws IOException {
        try {
            call.run();
        } catch (LastErrorException e) {
            throw failure(what, e);
        }
    }

    private static IOException failure(String what, LastErrorException e) {
        String message = what + ": " + LibC.INSTANCE.strerror(e.getErrorCode());
        return e.getErrorCode() == EAGAIN ? new SocketTimeoutException(message) : new IOException(message, e);
    }
}
