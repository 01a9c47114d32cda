package dev.cellrunner.runner.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.LibC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FUSE filesystem this test process serves through /dev/fuse (the kernel's protocol, no libfuse),
 * holding one executable file, {@link #FILE}. It answers every request, except an open by a process
 * named {@code cell-init} (a cell's PID 1 forked and exec'ing its command): that request is read and
 * never answered, so the exec waits in the kernel, SIGKILL or not, as on a hung hard NFS mount or a FUSE
 * daemon that stopped answering. Closing the filesystem aborts the connection, which frees that process.
 */
public final class HungFilesystem implements AutoCloseable {
    public static final String FILE = "command";

    private static final int LOOKUP = 1;
    private static final int FORGET = 2;
    private static final int GETATTR = 3;
    private static final int OPEN = 14;
    private static final int READ = 15;
    private static final int RELEASE = 18;
    private static final int FLUSH = 25;
    private static final int INIT = 26;
    private static final int INTERRUPT = 36;
    private static final int BATCH_FORGET = 42;
    private static final int IN_HEADER = 40;
    private static final int OUT_HEADER = 16;
    private static final int ATTR_SIZE = 88;
    private static final int MAX_WRITE = 128 * 1024;
    private static final int ROOT = 1;
    private static final int NODE = 2;
    private static final int ENOSYS = -Linux.ENOSYS; // FUSE replies carry a negated errno

    private final Path mountPoint;
    private final int fd;
    private final byte[] content;
    private final AtomicInteger heldOpens = new AtomicInteger();
    private final Thread server;
    private volatile boolean closing;

    private HungFilesystem(Path mountPoint, int fd, byte[] content) {
        this.mountPoint = mountPoint;
        this.fd = fd;
        this.content = content;
        this.server = new Thread(this::serve, "hung-filesystem");
        this.server.setDaemon(true);
    }

    /** Mounts it on {@code mountPoint} (an empty directory), open to every user. */
    public static HungFilesystem mount(Path mountPoint, String content) throws IOException {
        int fd;
        try {
            fd = LibC.INSTANCE.open("/dev/fuse", Linux.O_RDWR | Linux.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("/dev/fuse: " + LibC.INSTANCE.strerror(e.getErrorCode()), e);
        }
        HungFilesystem filesystem = new HungFilesystem(mountPoint, fd, content.getBytes(StandardCharsets.UTF_8));
        try {
            LibC.INSTANCE.mount("cell-runner-test-hungfs", mountPoint.toString(), "fuse",
                    Linux.MS_NOSUID | Linux.MS_NODEV, "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,allow_other");
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("mount fuse on " + mountPoint + ": " + LibC.INSTANCE.strerror(e.getErrorCode()), e);
        }
        filesystem.server.start();
        return filesystem;
    }

    /** The executable on it. */
    public Path file() {
        return mountPoint.resolve(FILE);
    }

    /** Opens read and left unanswered: processes waiting in the kernel on this filesystem. */
    public int heldOpens() {
        return heldOpens.get();
    }

    private void serve() {
        try (Memory request = new Memory(MAX_WRITE + 4096); Memory pollfd = new Memory(Linux.POLLFD_SIZE)) {
            while (!closing) {
                pollfd.clear();
                pollfd.setInt(0, fd);
                pollfd.setShort(Linux.POLLFD_EVENTS_OFFSET, (short) Linux.POLLIN);
                if (Eintr.retry(() -> LibC.INSTANCE.poll(pollfd, 1, 100)) == 0) {
                    continue; // looks at closing again
                }
                long n;
                try {
                    n = Eintr.retry(() -> LibC.INSTANCE.read(fd, request, request.size()));
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Linux.ENOENT) {
                        continue; // the request was interrupted before it was read
                    }
                    return; // ENODEV: unmounted
                }
                ByteBuffer in = request.getByteBuffer(0, n).order(ByteOrder.LITTLE_ENDIAN);
                answer(in);
            }
        } catch (LastErrorException e) {
            // the connection is gone
        }
    }

    private void answer(ByteBuffer in) {
        int opcode = in.getInt(4);
        long unique = in.getLong(8);
        long node = in.getLong(16);
        int pid = in.getInt(32);
        switch (opcode) {
            case INIT -> {
                ByteBuffer out = body(64);
                out.putInt(in.getInt(IN_HEADER)).putInt(31).putInt(in.getInt(IN_HEADER + 8)).putInt(0);
                out.putShort((short) 1).putShort((short) 1).putInt(MAX_WRITE).putInt(1);
                reply(unique, 0, out);
            }
            case LOOKUP -> {
                String name = cString(in, IN_HEADER);
                if (node != ROOT || !FILE.equals(name)) {
                    reply(unique, -Linux.ENOENT, body(0));
                    return;
                }
                ByteBuffer out = body(40 + ATTR_SIZE);
                out.putLong(NODE).putLong(0).putLong(3600).putLong(3600).putInt(0).putInt(0);
                attr(out, NODE);
                reply(unique, 0, out);
            }
            case GETATTR -> {
                ByteBuffer out = body(16 + ATTR_SIZE);
                out.putLong(3600).putInt(0).putInt(0);
                attr(out, node);
                reply(unique, 0, out);
            }
            case OPEN -> {
                if ("cell-init".equals(comm(pid))) {
                    heldOpens.incrementAndGet(); // never answered
                    return;
                }
                reply(unique, 0, body(16));
            }
            case READ -> {
                long offset = in.getLong(IN_HEADER + 8);
                int size = in.getInt(IN_HEADER + 16);
                int from = (int) Math.min(offset, content.length);
                int length = Math.min(size, content.length - from);
                ByteBuffer out = body(length);
                out.put(content, from, length);
                reply(unique, 0, out);
            }
            case RELEASE, FLUSH -> reply(unique, 0, body(0));
            case FORGET, BATCH_FORGET, INTERRUPT -> {
                // no reply is expected (an interrupt of a held open is ignored: it stays held)
            }
            default -> reply(unique, ENOSYS, body(0));
        }
    }

    private void attr(ByteBuffer out, long node) {
        boolean root = node == ROOT;
        out.putLong(node).putLong(root ? 0 : content.length).putLong(1);
        out.putLong(0).putLong(0).putLong(0).putInt(0).putInt(0).putInt(0);
        out.putInt(root ? 0040755 : 0100755).putInt(root ? 2 : 1).putInt(0).putInt(0).putInt(0).putInt(4096).putInt(0);
    }

    private static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void reply(long unique, int error, ByteBuffer body) {
        int length = OUT_HEADER + body.capacity();
        try (Memory out = new Memory(length)) {
            ByteBuffer header = out.getByteBuffer(0, length).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(length).putInt(error).putLong(unique).put(body.array());
            Eintr.retry(() -> LibC.INSTANCE.write(fd, out, length));
        } catch (LastErrorException e) {
            // ENOENT: the request was interrupted meanwhile
        }
    }

    private static String cString(ByteBuffer in, int offset) {
        int end = offset;
        while (end < in.limit() && in.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - offset];
        in.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Aborts the connection (every held request fails, freeing its process) and unmounts. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        server.join();
        try {
            LibC.INSTANCE.umount2(mountPoint.toString(), Linux.MNT_DETACH);
        } catch (LastErrorException e) {
            // already gone
        }
        LibC.INSTANCE.close(fd);
    }
}
