package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.observe.RunnerProcesses;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * IP forwarding is one switch per network namespace, shared by every cell with an uplink, so runners
 * coordinate through files under {@code <state>/forwarding/<netns inode>/}, changed only under an fcntl
 * lock: {@code users/<cell>} (named with the runner's PID) for every cell that needs forwarding now,
 * and {@code turned-on-<family>} when a runner switched it on. The last user to leave switches off
 * only what a runner switched on, never what the administrator had on; a dead runner's users are
 * pruned by the next runner or by {@code cell-runner gc}. Forwarding is never switched off while a
 * live cell is registered.
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

    private static final ReentrantLock IN_PROCESS = new ReentrantLock();
    private final Path dir;

    private Forwarding(Path dir) {
        this.dir = dir;
    }

    /** The coordination directory of the calling thread's network namespace. */
    public static Forwarding forThisNamespace(Path stateDirectory) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        return new Forwarding(stateDirectory.resolve("forwarding").resolve(link.replaceAll("[^0-9]", "")));
    }

    /** Registers {@code user} and switches on the families that are off; returns those it switched on. */
    public Set<Family> acquire(String user, Set<Family> families) throws IOException {
        return locked(() -> {
            Files.createDirectories(dir.resolve("users"));
            Files.writeString(dir.resolve("users").resolve(user), families.toString());
            Set<Family> switched = EnumSet.noneOf(Family.class);
            for (Family family : families) {
                if (!family.isOn()) {
                    Files.writeString(dir.resolve(family.record()), Long.toString(ProcessHandle.current().pid()));
                    family.set(true);
                    switched.add(family);
                }
            }
            return switched;
        });
    }

    /** Unregisters {@code user}; when no live user is left, switches off what runners switched on. */
    public void release(String user, Consumer<String> log) throws IOException {
        locked(() -> {
            Files.deleteIfExists(dir.resolve("users").resolve(user));
            switchOffWhenUnused(log);
            return null;
        });
    }

    /** For gc: forgets users whose runner is dead and switches off what nobody needs any more. */
    public void collect(Consumer<String> log) throws IOException {
        if (Files.isDirectory(dir)) {
            locked(() -> {
                switchOffWhenUnused(log);
                return null;
            });
        }
    }

    private void switchOffWhenUnused(Consumer<String> log) throws IOException {
        if (!liveUsers(log).isEmpty()) {
            return;
        }
        for (Family family : Family.values()) {
            Path record = dir.resolve(family.record());
            if (Files.exists(record)) {
                family.set(false);
                Files.delete(record);
                log.accept("switched " + family.sysctl + " back off");
            }
        }
    }

    private List<String> liveUsers(Consumer<String> log) throws IOException {
        List<String> live = new ArrayList<>();
        Path users = dir.resolve("users");
        if (!Files.isDirectory(users)) {
            return live;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(users)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean alive = CellNetNames.ownerOf(name).map(RunnerProcesses::isLive).orElse(false);
                if (alive) {
                    live.add(name);
                } else {
                    Files.deleteIfExists(entry);
                    log.accept("forgot forwarding user " + name + " of a runner that is gone");
                }
            }
        }
        return live;
    }

    private interface Step<T> {
        T run() throws IOException;
    }

    private <T> T locked(Step<T> step) throws IOException {
        IN_PROCESS.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel lock = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); var held = lock.lock()) {
                return step.run();
            }
        } finally {
            IN_PROCESS.unlock();
        }
    }

}
