package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One /30 of TEST-NET-3 (203.0.113.0/24) held for one test host. Several suites may run on one machine
 * at once, so the 64 blocks are leased through file locks in a directory every suite shares; the lock
 * goes with the holder, so a killed suite frees its block.
 */
final class TestNetLease implements AutoCloseable {
    private static final Path LEASES = Path.of(System.getProperty("java.io.tmpdir"), "crconf-testnet-leases");
    private static final int BLOCKS = 64;

    private final int block;
    private final FileChannel channel;
    private final FileLock lock;

    private TestNetLease(int block, FileChannel channel, FileLock lock) {
        this.block = block;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes a free block, starting at a random one so concurrent suites rarely try the same. */
    static TestNetLease take() {
        try {
            Files.createDirectories(LEASES);
            int start = ThreadLocalRandom.current().nextInt(BLOCKS);
            for (int i = 0; i < BLOCKS; i++) {
                int block = (start + i) % BLOCKS;
                FileChannel channel = FileChannel.open(LEASES.resolve(block + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = tryLock(channel);
                if (lock != null) {
                    return new TestNetLease(block, channel, lock);
                }
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lease a test network block in " + LEASES, e);
        }
        throw new AssertionError("all " + BLOCKS + " test network blocks of 203.0.113.0/24 are leased (see " + LEASES + ")");
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return null;
        }
    }

    /** The host's end of the /30. */
    String hostAddress() {
        return "203.0.113." + (block * 4 + 1);
    }

    /** The test host's end of the /30. */
    String peerAddress() {
        return "203.0.113." + (block * 4 + 2);
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
