package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.linux.Eintr;

import java.io.IOException;
import java.io.InputStream;

/** Reads a raw file descriptor through read(2): no path is reopened, so it works on a confined thread too. */
public final class FdInputStream extends InputStream {
    private final int fd;
    private final Memory buffer = new Memory(64 * 1024);
    private boolean closed;

    public FdInputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int want = (int) Math.min(len, buffer.size());
        try {
            long n = Eintr.retry(() -> LibC.INSTANCE.read(fd, buffer, want));
            if (n == 0) {
                return -1;
            }
            buffer.read(0, b, off, (int) n);
            return (int) n;
        } catch (LastErrorException e) {
            throw new IOException("read(fd " + fd + "): " + LibC.INSTANCE.strerror(e.getErrorCode()), e);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
            buffer.close();
        }
    }
}
