package dev.cellrunner.events.http;

import dev.cellrunner.events.CheckedFiles;
import dev.cellrunner.events.EventJson;
import dev.cellrunner.linux.Linux;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one way a spool is read back (flush, gc, any sink that resends), whoever may have written into
 * it. Layout: {@code SPOOL/<receiver>/<run>/NNNNNNNN.ce.json} plus a {@code .lock} per run. Entries are
 * listed without following links and taken only when they are real directories or regular files owned
 * by the spool's owner; each is opened with O_NOFOLLOW|O_NONBLOCK (relative to its already opened
 * directory) and checked with fstat before a byte is read, and at most {@link EventJson#MAX_EVENT_BYTES}
 * are read. So nothing outside the spool is ever read, locked, sent or deleted, and no FIFO or device
 * can stall a reader. What is skipped is told to {@code skipped} and left where it is.
 */
public final class SpoolReader {
    static final String LOCK = ".lock";

    private final Path spoolDir;
    private final int owner;
    private final Consumer<String> skipped;

    private SpoolReader(Path spoolDir, int owner, Consumer<String> skipped) {
        this.spoolDir = spoolDir;
        this.owner = owner;
        this.skipped = skipped;
    }

    /**
     * A reader of the spool at {@code spoolDir} (a link to it is followed: the operator named it), or
     * empty when there is no spool there. Whoever owns that directory is the owner everything must have.
     */
    public static Optional<SpoolReader> open(Path spoolDir, Consumer<String> skipped) throws IOException {
        CheckedFiles.Status status = CheckedFiles.inspect(spoolDir);
        if (status == null || !status.directory()) {
            return Optional.empty();
        }
        return Optional.of(new SpoolReader(spoolDir, status.uid(), skipped));
    }

    public Path dir() {
        return spoolDir;
    }

    /** The receivers' directories: real directories of the owner, in name order. */
    public List<Path> receivers() throws IOException {
        return directories(spoolDir);
    }

    /** A receiver's run directories, oldest first (their names start with the time they were made). */
    public List<Path> runs(Path receiverDir) throws IOException {
        if (!Files.exists(receiverDir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Entry receiver = entry(receiverDir);
        if (!receiver.acceptable(owner, true)) {
            skipped.accept(receiverDir + ": " + receiver.whySkipped(owner, true) + "; skipped");
            return List.of();
        }
        return directories(receiverDir);
    }

    /** When a run directory was last changed, without following a link. */
    public static FileTime modified(Path runDir) throws IOException {
        return Files.getLastModifiedTime(runDir, LinkOption.NOFOLLOW_LINKS);
    }

    /** The event files in a run directory that another runner may hold (listed, not read); 0 when it is not the owner's. */
    public int count(Path runDir) throws IOException {
        try (CheckedFiles.Opened dir = CheckedFiles.open(runDir, Linux.O_RDONLY | Linux.O_DIRECTORY
                | Linux.O_NOFOLLOW, 0)) {
            if (whySkipped(dir.status(), owner, true) != null) {
                return 0;
            }
            int count = 0;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.directoryPath(),
                    entry -> entry.getFileName().toString().endsWith(Spool.SUFFIX))) {
                for (Path ignored : entries) {
                    count++;
                }
            }
            return count;
        } catch (NoSuchFileException gone) {
            return 0;
        }
    }

    /**
     * Takes a run directory for reading: opens it (no link followed), then its lock file (made if missing)
     * and locks it. Empty when a live sink holds the lock, or when the run cannot be taken safely (told
     * to {@code skipped}).
     */
    public Optional<Run> take(Path runDir) throws IOException {
        Path name = runDir.getFileName();
        CheckedFiles.Opened receiver = openOwned(runDir.getParent(), Linux.O_RDONLY | Linux.O_DIRECTORY
                | Linux.O_NOFOLLOW, true);
        if (receiver == null) {
            return Optional.empty();
        }
        CheckedFiles.Opened dir = null;
        try {
            dir = openOwned(runDir, receiver.directoryPath().resolve(name), Linux.O_RDONLY
                    | Linux.O_DIRECTORY | Linux.O_NOFOLLOW, 0, true);
            if (dir == null) {
                receiver.close();
                return Optional.empty();
            }
            Path lockPath = runDir.resolve(LOCK);
            CheckedFiles.Opened lockFile = openOwned(lockPath, dir.directoryPath().resolve(LOCK), Linux.O_RDWR
                    | Linux.O_CREAT | Linux.O_NOFOLLOW, 0600, false);
            if (lockFile == null) {
                dir.close();
                receiver.close();
                return Optional.empty();
            }
            FileChannel lockChannel = lockFile.channel(StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                lockChannel.close();
                dir.close();
                receiver.close();
                return Optional.empty();
            }
            return Optional.of(new Run(runDir, receiver, dir, lockChannel, lock));
        } catch (IOException | RuntimeException e) {
            if (dir != null) {
                dir.close();
            }
            receiver.close();
            throw e;
        }
    }

    /** One run directory, locked by this reader, held open: its path cannot be swapped underneath. */
    public final class Run implements Closeable {
        private final Path path;
        private final CheckedFiles.Opened receiver;
        private final CheckedFiles.Opened dir;
        private final FileChannel lockChannel;
        private final FileLock lock;
        private int skippedFiles;

        private Run(Path path, CheckedFiles.Opened receiver, CheckedFiles.Opened dir, FileChannel lockChannel,
                    FileLock lock) {
            this.path = path;
            this.receiver = receiver;
            this.dir = dir;
            this.lockChannel = lockChannel;
            this.lock = lock;
        }

        public Path path() {
            return path;
        }

        /** Event files in order; entries that look like events but are not plain files of the owner are told and skipped. */
        public List<String> events() throws IOException {
            return scan(true);
        }

        private List<String> scan(boolean tell) throws IOException {
            List<String> names = new ArrayList<>();
            skippedFiles = 0;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.directoryPath())) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (!name.endsWith(Spool.SUFFIX)) {
                        continue;
                    }
                    Entry found = entry(entry);
                    if (found.acceptable(owner, false)) {
                        names.add(name);
                    } else {
                        skippedFiles++;
                        if (tell) {
                            skipped.accept(path.resolve(name) + ": " + found.whySkipped(owner, false) + "; kept, not sent");
                        }
                    }
                }
            }
            names.sort(null);
            return names;
        }

        /** Files that {@link #events} last skipped. */
        public int skippedFiles() {
            return skippedFiles;
        }

        /** One event file's bytes; an IOException says why it cannot be read (the file stays). */
        public byte[] read(String name) throws IOException {
            Path shown = path.resolve(name);
            try (CheckedFiles.Opened file = CheckedFiles.open(dir.directoryPath().resolve(name),
                    Linux.O_RDONLY | Linux.O_NOFOLLOW, 0)) {
                String why = whySkipped(file.status(), owner, false);
                if (why != null) {
                    throw new IOException(shown + ": " + why);
                }
                try (FileChannel channel = file.channel(StandardOpenOption.READ)) {
                    ByteBuffer buffer = ByteBuffer.allocate((int) file.status().size() + 1);
                    while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                        // a regular file: reads never block
                    }
                    if (buffer.position() > EventJson.MAX_EVENT_BYTES) {
                        throw new IOException(shown + ": grew past " + EventJson.MAX_EVENT_BYTES + " bytes while read");
                    }
                    buffer.flip();
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    return bytes;
                }
            } catch (NoSuchFileException gone) {
                throw new IOException(shown + ": removed while the spool was read");
            }
        }

        /** Removes a delivered event file (the name itself, never what a link would point to). */
        public void delete(String name) throws IOException {
            Files.deleteIfExists(dir.directoryPath().resolve(name));
        }

        /** Releases the lock; removes the run directory and its lock file when no event is left. */
        @Override
        public void close() throws IOException {
            try {
                boolean empty = scan(false).isEmpty();
                lock.release();
                lockChannel.close();
                if (empty) {
                    Files.deleteIfExists(dir.directoryPath().resolve(LOCK));
                    try {
                        Files.deleteIfExists(receiver.directoryPath().resolve(path.getFileName()));
                    } catch (DirectoryNotEmptyException othersLeft) {
                        // files that are no events of ours stay, and so does their directory
                    }
                }
            } finally {
                if (lockChannel.isOpen()) {
                    lockChannel.close();
                }
                dir.close();
                receiver.close();
            }
        }
    }

    private List<Path> directories(Path parent) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
            for (Path entry : entries) {
                Entry found = entry(entry);
                if (found.acceptable(owner, true)) {
                    dirs.add(entry);
                } else if (found.link() || found.directory()) {
                    skipped.accept(entry + ": " + found.whySkipped(owner, true) + "; skipped");
                }
            }
        }
        dirs.sort(null);
        return dirs;
    }

    private CheckedFiles.Opened openOwned(Path shown, int flags, boolean directory) throws IOException {
        return openOwned(shown, shown, flags, 0, directory);
    }

    /** Opens and checks; null (and told) when it is not what the spool may hold. */
    private CheckedFiles.Opened openOwned(Path shown, Path path, int flags, int mode, boolean directory)
            throws IOException {
        CheckedFiles.Opened opened;
        try {
            opened = CheckedFiles.open(path, flags, mode);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            skipped.accept(shown + ": " + e.getMessage().replace(path.toString(), "it") + "; skipped");
            return null;
        }
        String why = whySkipped(opened.status(), owner, directory);
        if (why != null) {
            opened.close();
            skipped.accept(shown + ": " + why + "; skipped");
            return null;
        }
        return opened;
    }

    private static String whySkipped(CheckedFiles.Status status, int owner, boolean directory) {
        if (directory ? !status.directory() : !status.regular()) {
            return status.kind() + ", not " + (directory ? "a directory" : "a regular file");
        }
        if (status.uid() != owner) {
            return "owned by uid " + status.uid() + ", not by the spool's owner (uid " + owner + ")";
        }
        if (!directory && status.size() > EventJson.MAX_EVENT_BYTES) {
            return status.size() + " bytes, larger than any event (" + EventJson.MAX_EVENT_BYTES + ")";
        }
        return null;
    }

    /** What lstat says of a directory entry. */
    private record Entry(int mode, int uid, long size) {
        boolean link() {
            return (mode & Linux.S_IFMT) == Linux.S_IFLNK;
        }

        boolean directory() {
            return (mode & Linux.S_IFMT) == Linux.S_IFDIR;
        }

        boolean acceptable(int owner, boolean wantDirectory) {
            return whySkipped(owner, wantDirectory) == null;
        }

        String whySkipped(int owner, boolean wantDirectory) {
            if (link()) {
                return "a symbolic link, not followed";
            }
            return SpoolReader.whySkipped(new CheckedFiles.Status(mode, uid, size, 0), owner, wantDirectory);
        }
    }

    private static Entry entry(Path path) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(path, "unix:mode,uid,size", LinkOption.NOFOLLOW_LINKS);
        return new Entry((Integer) attributes.get("mode"), (Integer) attributes.get("uid"), (Long) attributes.get("size"));
    }
}
