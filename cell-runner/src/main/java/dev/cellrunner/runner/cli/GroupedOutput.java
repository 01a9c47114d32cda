package dev.cellrunner.runner.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Semaphore;

/**
 * One cell's stdout and stderr when several cells share the runner's: kept back and written whole when
 * the cell ends, so outputs never interleave (like GNU parallel's --group). Past {@code limit} bytes the
 * cell takes the shared output (the "floor") for itself, writes what it kept and streams the rest straight
 * through; other cells' output waits for it. A huge output is neither held in memory nor lost. One floor
 * covers both streams, so two cells can never each hold one and wait for the other.
 */
final class GroupedOutput {
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final Semaphore floor;
    private final int limit;
    private ByteArrayOutputStream heldOut = new ByteArrayOutputStream();
    private ByteArrayOutputStream heldErr = new ByteArrayOutputStream();
    private boolean holdsFloor;

    /** @param floor one permit, shared by every cell writing to these two streams */
    GroupedOutput(OutputStream stdout, OutputStream stderr, Semaphore floor, int limit) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.floor = floor;
        this.limit = limit;
    }

    OutputStream stdout() {
        return new Side(true);
    }

    OutputStream stderr() {
        return new Side(false);
    }

    private synchronized void write(boolean out, byte[] bytes, int offset, int length) throws IOException {
        ByteArrayOutputStream held = out ? heldOut : heldErr;
        if (!holdsFloor && heldOut.size() + heldErr.size() + length <= limit) {
            held.write(bytes, offset, length);
            return;
        }
        takeFloor();
        OutputStream target = out ? stdout : stderr;
        target.write(bytes, offset, length);
        target.flush();
    }

    /** Writes what was kept back and gives the shared output to the next cell; called once the cell ended. */
    synchronized void release() throws IOException {
        try {
            takeFloor();
        } finally {
            if (holdsFloor) {
                holdsFloor = false;
                floor.release();
            }
        }
    }

    private void takeFloor() throws IOException {
        if (holdsFloor) {
            return;
        }
        floor.acquireUninterruptibly();
        holdsFloor = true;
        heldOut.writeTo(stdout);
        heldErr.writeTo(stderr);
        heldOut = new ByteArrayOutputStream();
        heldErr = new ByteArrayOutputStream();
        stdout.flush();
        stderr.flush();
    }

    /** One of the two streams, as the cell's output pump sees it. */
    private final class Side extends OutputStream {
        private final boolean out;

        Side(boolean out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            GroupedOutput.this.write(out, bytes, offset, length);
        }
    }
}
