package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a raw file descriptor through write(2). */
public final class FdOutputStream extends OutputStream {
    private final int fd;
    private boolean closed;

    public FdOutputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        try (Memory chunk = new Memory(len)) {
            chunk.write(0, b, off, len);
            long done = 0;
            while (done < len) {
                long from = done;
                try {
                    done += Eintr.retry(() -> LibC.INSTANCE.write(fd, chunk.share(from), len - from));
                } catch (LastErrorException e) {
                    throw new IOException("write(fd " + fd + "): " + LibC.INSTANCE.strerror(e.getErrorCode()), e);
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
