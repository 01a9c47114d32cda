package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.observe.RunnerProcesses;
import dev.cellrunner.runner.os.StateDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * IP forwarding is one switch per network namespace, shared by every cell with an uplink, so runners
 * coordinate through files under {@code <state>/forwarding/<netns inode>/}, changed only under an fcntl
 * lock: {@code users/<cell>} (named with the runner's PID, holding its start time, as PIDs are reused)
 * for every cell that needs forwarding now, and {@code turned-on-<family>} when a runner switched it on. The last user to leave switches off
 * only what a runner switched on, never what the administrator had on; a dead runner's users are
 * pruned by the next runner or by {@code cell-runner gc}. Forwarding is never switched off while a
 * live cell is registered. Every record is handled relative to the open state directory, never
 * through a link ({@link StateDir}), and the lock is waited for {@link #LOCK_TIMEOUT} at most.
 */
public final class Forwarding {
    /** A family's switch, written from a thread in the runner's own namespace. */
    public enum Family {
        IPV4("/proc/sys/net/ipv4/ip_forward"), IPV6("/proc/sys/net/ipv6/conf/all/forwarding");

        private final Path sysctl;

        Family(String sysctl) {
            this.sysctl = Path.of(sysctl);
        }

        boolean isOn() throws IOException {
            return !"0".equals(Files.readString(sysctl).trim());
        }

        void set(boolean on) throws IOException {
            Files.writeString(sysctl, on ? "1" : "0");
        }

        String record() {
            return "turned-on-" + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How long a runner waits for another to finish with the forwarding records. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);
    /** Between a user record's families and its runner's start time. */
    private static final String STARTED = " started ";
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();
    /** This runner's start time, the same in every record it writes: read once it could be read, not per cell. */
    private static volatile long startedAt = -1;
    private final Path stateDirectory;
    private final String namespace;

    private Forwarding(Path stateDirectory, String namespace) {
        this.stateDirectory = stateDirectory;
        this.namespace = namespace;
    }

    /** The coordination directory of the calling thread's network namespace. */
    public static Forwarding forThisNamespace(Path stateDirectory) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        return new Forwarding(stateDirectory, link.replaceAll("[^0-9]", ""));
    }

    /** Registers {@code user} and switches on the families that are off; returns those it switched on. */
    public Set<Family> acquire(String user, Set<Family> families) throws IOException {
        return locked(dir -> {
            try (StateDir users = dir.directory("users")) {
                users.write(user, families + STARTED + startedAt());
            }
            Set<Family> switched = EnumSet.noneOf(Family.class);
            for (Family family : families) {
                if (!family.isOn()) {
                    dir.write(family.record(), Long.toString(ProcessHandle.current().pid()));
                    family.set(true);
                    switched.add(family);
                }
            }
            return switched;
        });
    }

    private static long startedAt() {
        long ticks = startedAt;
        if (ticks < 0) {
            ticks = RunnerProcesses.startTicks(ProcessHandle.current().pid()).orElse(-1);
            startedAt = ticks;
        }
        return ticks;
    }

    /** Unregisters {@code user}; when no live user is left, switches off what runners switched on. */
    public void release(String user, Consumer<String> log) throws IOException {
        locked(dir -> {
            try (StateDir users = dir.directory("users")) {
                users.delete(user);
            }
            switchOffWhenUnused(dir, log);
            return null;
        });
    }

    /** For gc: forgets users whose runner is dead and switches off what nobody needs any more. */
    public void collect(Consumer<String> log) throws IOException {
        if (Files.isDirectory(stateDirectory.resolve("forwarding").resolve(namespace))) {
            locked(dir -> {
                switchOffWhenUnused(dir, log);
                return null;
            });
        }
    }

    private void switchOffWhenUnused(StateDir dir, Consumer<String> log) throws IOException {
        if (!liveUsers(dir, log).isEmpty()) {
            return;
        }
        for (Family family : Family.values()) {
            if (dir.exists(family.record())) {
                family.set(false);
                dir.delete(family.record());
                log.accept("switched " + family.sysctl + " back off");
            }
        }
    }

    private List<String> liveUsers(StateDir dir, Consumer<String> log) throws IOException {
        List<String> live = new ArrayList<>();
        try (StateDir users = dir.directory("users")) {
            for (String name : users.names()) {
                Optional<Long> owner = CellNetNames.ownerOf(name);
                boolean alive = owner.isPresent() && isLive(owner.get(), users.read(name, 256));
                if (alive) {
                    live.add(name);
                } else {
                    users.delete(name);
                    log.accept("forgot forwarding user " + name + " of a runner that is gone");
                }
            }
        }
        return live;
    }

    /**
     * The record's runner is alive and is the one that wrote it: its start time, kept in the record,
     * tells a runner given a dead one's PID from the dead one (records without it: the PID alone).
     */
    static boolean isLive(long pid, String record) {
        int at = record.lastIndexOf(STARTED);
        if (at < 0) {
            return RunnerProcesses.isLive(pid);
        }
        long started;
        try {
            started = Long.parseLong(record.substring(at + STARTED.length()).trim());
        } catch (NumberFormatException e) {
            return RunnerProcesses.isLive(pid);
        }
        // -1: the writer could not read its own start time; never forget a live cell's record for that
        return started < 0 ? RunnerProcesses.isLive(pid) : RunnerProcesses.isLive(pid, started);
    }

    private interface Step<T> {
        T run(StateDir dir) throws IOException;
    }

    private <T> T locked(Step<T> step) throws IOException {
        IN_PROCESS.lock();
        try (StateDir state = StateDir.open(stateDirectory); StateDir all = state.directory("forwarding");
             StateDir dir = all.directory(namespace); StateDir.Lock held = dir.lock("lock", LOCK_TIMEOUT)) {
            return step.run(dir);
        } finally {
            IN_PROCESS.unlock();
        }
    }

}
