package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.RunnerThreads;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.Nss;
import dev.cellrunner.runner.os.StateDir;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hands each cell a uid of its own from a {@link UidRange}: one that no account or group NSS knows has,
 * no live cell of any runner sharing the state directory holds, and that is not the runner's. A uid is
 * held through a lock on {@code <state>/uids/<uid>.lock} for the cell's life, like the uplink slots
 * ({@link StateDir}: records opened relative to the directory, never through a link; the kernel drops
 * the lock when the runner dies, so two runners never share a uid). The file names the runner and the
 * cell while it is held and is emptied when the cell ends; a file left naming a runner that died is
 * abandoned, and its uid is taken again (here or by {@code gc}) only once no process runs as it.
 *
 * <p>The search starts at a random uid, so a uid is rarely handed to two cells one after the other
 * (files a cell leaves in a shared writable directory stay its uid's).
 *
 * <p>A cell's uid is released on a runner thread ({@link #releaseLater}), so that whoever waits for the
 * cell's exit status does not wait for the release too. Until a release is done its uid is still held:
 * {@link #allocate} waits for this allocator's releases under way before it refuses a cell, and a runner
 * awaits them ({@link #awaitReleases}) before it exits, so that it leaves no record naming itself.
 */
public final class UidAllocator {
    private static final Pattern LOCK_FILE = Pattern.compile("([0-9]{1,10})\\.lock");
    private static final Pattern HOLDER = Pattern.compile("([0-9]{1,19}) (.*)\\n?");
    private static final int HOLDER_BYTES = 4096;
    /** How long a release under way is waited for, by an allocation that found no free uid or at exit. */
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(3);

    private final UidRange range;
    private final Path stateDirectory;
    private final Executor releaser;
    private final Set<CompletableFuture<Void>> releasing = ConcurrentHashMap.newKeySet();

    /** Releases run on {@link RunnerThreads#POOL}. */
    public UidAllocator(UidRange range, Path stateDirectory) {
        this(range, stateDirectory, RunnerThreads.POOL);
    }

    UidAllocator(UidRange range, Path stateDirectory, Executor releaser) {
        this.range = range;
        this.stateDirectory = stateDirectory;
        this.releaser = releaser;
    }

    /** A held uid; closing it empties its record and releases it. */
    public static final class Lease implements AutoCloseable {
        private final int uid;
        private final StateDir dir;
        private final StateDir.Lock lock;
        private boolean closed;

        private Lease(int uid, StateDir dir, StateDir.Lock lock) {
            this.uid = uid;
            this.dir = dir;
            this.lock = lock;
        }

        public int uid() {
            return uid;
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                dir.write(name(uid), "");
            } finally {
                lock.close();
                dir.close();
            }
        }
    }

    /** Takes a free uid for {@code cellId}; throws when the whole range is in use. */
    public Lease allocate(String cellId) throws IOException {
        String holder = ProcessHandle.current().pid() + " " + cellId.replace('\n', ' ') + "\n";
        // noted before the search: a release that ends during it may free a uid the search has passed
        CompletableFuture<?>[] underWay = releasesUnderWay();
        Lease lease = takeAny(holder);
        if (lease == null && underWay.length > 0) {
            // the uid of a cell that just ended may only be waiting for its release: never refuse for that
            await(underWay);
            lease = takeAny(holder);
        }
        if (lease == null) {
            throw new IOException("every uid of " + range + " is in use (held by live cells, known to NSS, or left "
                    + "by a dead runner's processes); widen " + UidRange.OPTION + " or run cell-runner gc");
        }
        return lease;
    }

    /** A free uid of the range, searched from a random one; null when there is none. */
    private Lease takeAny(String holder) throws IOException {
        int size = range.size();
        int start = ThreadLocalRandom.current().nextInt(size);
        StateDir dir;
        try (StateDir state = StateDir.open(stateDirectory)) {
            dir = state.directory("uids");
        }
        try {
            for (int i = 0; i < size; i++) {
                Lease lease = take(dir, range.first() + (start + i) % size, holder);
                if (lease != null) {
                    return lease; // it keeps the directory open until it is released
                }
            }
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
        dir.close();
        return null;
    }

    /**
     * Releases {@code lease} on a runner thread; a release that fails is told to {@code log} (its record
     * then names this runner until {@code gc} or an allocation finds it abandoned).
     */
    public void releaseLater(Lease lease, Consumer<String> log) {
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            try {
                lease.close();
            } catch (IOException | RuntimeException e) {
                log.accept("cannot release uid " + lease.uid() + " (cell-runner gc will): " + e.getMessage());
            }
        }, releaser);
        releasing.add(release);
        release.whenComplete((done, failure) -> releasing.remove(release));
    }

    /** Waits, a few seconds at most, for the releases under way (a runner does before it exits). */
    public void awaitReleases() {
        await(releasesUnderWay());
    }

    private CompletableFuture<?>[] releasesUnderWay() {
        return releasing.toArray(CompletableFuture[]::new);
    }

    private static void await(CompletableFuture<?>[] releases) {
        try {
            CompletableFuture.allOf(releases).get(RELEASE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a failed release was logged; a slower one is left to finish on its own
        }
    }

    private static Lease take(StateDir dir, int uid, String holder) throws IOException {
        StateDir.Lock lock = dir.tryLock(name(uid));
        if (lock == null) {
            return null; // a live cell has it, of this runner or another
        }
        try {
            if (!usable(uid, dir)) {
                lock.close();
                return null;
            }
            dir.write(name(uid), holder);
            return new Lease(uid, dir, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Not the runner's own ids, unknown to NSS as a user and as a group, and either released cleanly or
     * abandoned by a dead runner with no process left running as it.
     */
    private static boolean usable(int uid, StateDir dir) throws IOException {
        if (uid == LibC.INSTANCE.getuid() || uid == LibC.INSTANCE.getgid()) {
            return false;
        }
        if (Nss.user(uid).isPresent() || Nss.groupExists(uid)) {
            return false;
        }
        return dir.read(name(uid), 1).isEmpty() || processesRunningAs(uid).isEmpty();
    }

    private static String name(int uid) {
        return uid + ".lock";
    }

    /**
     * For gc: empties the records of uids that runners which died left held, once no process runs as the
     * uid; returns what it did ("cannot ..." for uids still in use).
     */
    public static List<String> collect(Path stateDirectory) {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(stateDirectory.resolve("uids"), LinkOption.NOFOLLOW_LINKS)) {
            return done;
        }
        try (StateDir state = StateDir.open(stateDirectory); StateDir dir = state.directory("uids")) {
            for (String file : dir.names()) {
                Matcher name = LOCK_FILE.matcher(file);
                if (name.matches() && Long.parseLong(name.group(1)) <= Integer.MAX_VALUE) {
                    reclaim(dir, Integer.parseInt(name.group(1)), done);
                }
            }
        } catch (IOException e) {
            done.add("cannot look for abandoned uids in " + stateDirectory.resolve("uids") + ": " + e.getMessage());
        }
        return done;
    }

    private static void reclaim(StateDir dir, int uid, List<String> done) {
        try (StateDir.Lock lock = dir.tryLock(name(uid))) {
            if (lock == null) {
                return; // held by a live runner
            }
            String holder = dir.read(name(uid), HOLDER_BYTES);
            if (holder.isEmpty()) {
                return; // free
            }
            Matcher matcher = HOLDER.matcher(holder);
            String whose = matcher.matches()
                    ? " of runner " + matcher.group(1) + " (cell " + matcher.group(2) + ")" : "";
            List<Long> left = processesRunningAs(uid);
            if (!left.isEmpty()) {
                done.add("cannot reclaim uid " + uid + whose + ": processes " + left + " still run as it");
                return;
            }
            dir.write(name(uid), "");
            done.add("reclaimed uid " + uid + whose);
        } catch (IOException e) {
            done.add("cannot reclaim uid " + uid + ": " + e.getMessage());
        }
    }

    /**
     * Processes with {@code uid} as real, effective, saved or filesystem uid (/proc/PID/status). Zombies are
     * not counted: they run nothing and hold nothing but their pid until their parent (after a runner's
     * death, the host's init) reaps them.
     */
    static List<Long> processesRunningAs(int uid) throws IOException {
        List<Long> found = new ArrayList<>();
        String wanted = Integer.toString(uid);
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(process.resolve("status"));
                } catch (IOException gone) {
                    continue;
                }
                for (String line : lines) {
                    if (line.startsWith("State:") && (line.contains("(zombie)") || line.contains("(dead)"))) {
                        break;
                    }
                    if (line.startsWith("Uid:")) {
                        if (List.of(line.substring(4).trim().split("\\s+")).contains(wanted)) {
                            found.add(Long.parseLong(process.getFileName().toString()));
                        }
                        break;
                    }
                }
            }
        }
        return found;
    }
}
