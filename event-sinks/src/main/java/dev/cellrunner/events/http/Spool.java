package dev.cellrunner.events.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Events on their way to one receiver, one file per event, written before delivery is attempted and
 * deleted only once the receiver accepted them. Layout: {@code SPOOL/<receiver key>/<run dir>/NNNNNNNN.ce.json};
 * a live sink holds a lock on its run dir so {@code flush} leaves it alone.
 */
public final class Spool {
    static final String SUFFIX = ".ce.json";
    private static final String LOCK = SpoolReader.LOCK;

    private final Path runDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Set<Path> unsynced = new LinkedHashSet<>();
    private int next;

    private Spool(Path runDir, FileChannel lockChannel, FileLock lock) {
        this.runDir = runDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** The directory that holds everything spooled for one HTTP receiver. */
    public static Path receiverDir(Path spoolDir, HttpSinkSettings settings) {
        return receiverDir(spoolDir, receiverName(settings));
    }

    /** OCSF records and CloudEvents for one URL are spooled apart: flush resends each in its own format. */
    private static String receiverName(HttpSinkSettings settings) {
        return settings.endpoint().toString() + (settings.payload() == HttpPayload.OCSF ? "#ocsf" : "");
    }

    /** The directory that holds everything spooled for the receiver named {@code receiver} (a URL, a broker address). */
    public static Path receiverDir(Path spoolDir, String receiver) {
        String key = HexFormat.of().formatHex(dev.cellrunner.events.Digests.sha256(
                receiver.getBytes(StandardCharsets.UTF_8)), 0, 8);
        return spoolDir.resolve(key);
    }

    static Spool open(HttpSinkSettings settings) throws IOException {
        return open(settings.spoolDir(), receiverName(settings), settings.describe());
    }

    /**
     * A fresh, locked run directory for the receiver named {@code receiver} ({@code label} is what may be
     * printed of it); fails if the spool cannot be written.
     */
    public static Spool open(Path spoolDir, String receiver, String label) throws IOException {
        Path receiverDir = receiverDir(spoolDir, receiver);
        createPrivateDirectories(receiverDir);
        Path labelFile = receiverDir.resolve("receiver.txt");
        if (!Files.exists(labelFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // O_CREAT|O_EXCL: a link planted under this name is never followed, whoever planted it
            try (FileChannel out = FileChannel.open(labelFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap((label + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another runner wrote it first, or something else sits there: it only labels the directory
            }
        }
        Path runDir = receiverDir.resolve(System.currentTimeMillis() + "-" + UUID.randomUUID());
        Files.createDirectory(runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        FileChannel channel = FileChannel.open(runDir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        return new Spool(runDir, channel, channel.lock());
    }

    public Path dir() {
        return runDir;
    }

    /** Writes one event file (not yet fsynced; {@link #sync()} does that). */
    public synchronized Path write(byte[] event) throws IOException {
        Path file = runDir.resolve(String.format("%08d%s", next++, SUFFIX));
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(event);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
        unsynced.add(file);
        return file;
    }

    public synchronized void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        unsynced.remove(file);
    }

    /** Makes every event file still here durable, and the directory entries naming them. */
    public synchronized void sync() throws IOException {
        for (Path file : unsynced) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(true);
            } catch (NoSuchFileException delivered) {
                // delivered and deleted meanwhile
            }
        }
        unsynced.clear();
        forceDirectory(runDir);
    }

    public synchronized int pending() throws IOException {
        return eventFiles(runDir).size();
    }

    /** Releases the lock; removes the run directory if nothing is left in it. */
    public synchronized void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
        removeIfEmpty(runDir);
    }

    private static List<Path> eventFiles(Path runDir) throws IOException {
        try (Stream<Path> files = Files.list(runDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
    }

    /** This sink's own run directory, which it made 0700: removed with its lock file once empty. */
    private static void removeIfEmpty(Path runDir) throws IOException {
        if (eventFiles(runDir).isEmpty()) {
            Files.deleteIfExists(runDir.resolve(LOCK));
            Files.deleteIfExists(runDir);
        }
    }


    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException(dir + " is a symbolic link; a spool's receiver directory must be a real one");
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another runner made it first
            }
        }
        if (!Files.isWritable(dir)) {
            throw new IOException(dir + " is not writable");
        }
    }

    static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // not every file system can fsync a directory
        }
    }
}
