package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.cellrunner.runner.mount.MountedCell;
import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.os.QuietLibC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.cellrunner.runner.os.QuietLibC.closeIfOpened;
import static dev.cellrunner.runner.os.QuietLibC.orMinusErrno;

import static dev.cellrunner.linux.Linux.AF_INET;
import static dev.cellrunner.linux.Linux.AF_UNIX;
import static dev.cellrunner.linux.Linux.EACCES;
import static dev.cellrunner.linux.Linux.EINVAL;
import static dev.cellrunner.linux.Linux.ENOENT;
import static dev.cellrunner.linux.Linux.EPERM;
import static dev.cellrunner.linux.Linux.EROFS;
import static dev.cellrunner.linux.Linux.LANDLOCK_CREATE_RULESET_VERSION;
import static dev.cellrunner.linux.Linux.LANDLOCK_RULE_NET_PORT;
import static dev.cellrunner.linux.Linux.LANDLOCK_RULE_PATH_BENEATH;
import static dev.cellrunner.linux.Linux.O_CLOEXEC;
import static dev.cellrunner.linux.Linux.O_DIRECTORY;
import static dev.cellrunner.linux.Linux.O_NOFOLLOW;
import static dev.cellrunner.linux.Linux.O_PATH;
import static dev.cellrunner.linux.Linux.O_RDONLY;
import static dev.cellrunner.linux.Linux.O_WRONLY;
import static dev.cellrunner.linux.Linux.SOCK_CLOEXEC;
import static dev.cellrunner.linux.Linux.SOCK_NONBLOCK;
import static dev.cellrunner.linux.Linux.SOCK_STREAM;
import static dev.cellrunner.linux.Linux.SYS_LANDLOCK_ADD_RULE;
import static dev.cellrunner.linux.Linux.SYS_LANDLOCK_CREATE_RULESET;
import static dev.cellrunner.linux.Linux.SYS_LANDLOCK_RESTRICT_SELF;

/**
 * Landlock through raw system calls: ABI detection, and restricting the calling thread (the launch
 * thread) to a {@link LandlockPlan}; the workload inherits the domain. Probes made from the restricted
 * thread then show that the kernel enforces it.
 */
public final class Landlock {
    /** {@code struct landlock_path_beneath_attr} is packed: u64 allowed_access, s32 parent_fd. */
    private static final int PATH_BENEATH_SIZE = 12;
    private static final int NET_PORT_SIZE = 16;
    private static final List<String> WRITE_PROBE_FILES = List.of("/etc/ld.so.cache", "/etc/passwd", "/etc/hostname");

    private Landlock() {
    }

    /** The kernel's landlock ABI version, or 0 when landlock is missing or disabled. */
    public static int abi() {
        try {
            return (int) LibC.INSTANCE.syscall(SYS_LANDLOCK_CREATE_RULESET, null, 0L, LANDLOCK_CREATE_RULESET_VERSION);
        } catch (LastErrorException e) {
            return 0;
        }
    }

    /**
     * Builds the ruleset. Done before the thread gives up its identity and capabilities, because
     * opening a rule's path needs the runner's own access to it (e.g. a root-only parent directory).
     * Only the ruleset fields this ABI knows are passed. Returns the ruleset file descriptor.
     */
    static int createRuleset(LandlockPlan plan) throws OsError {
        LibC libc = LibC.INSTANCE;
        int size = plan.abi() >= 6 ? 24 : plan.abi() >= 4 ? 16 : 8;
        int ruleset;
        try (Memory attr = new Memory(24)) {
            attr.clear();
            attr.setLong(0, plan.handledFs());
            attr.setLong(8, plan.handledNet());
            attr.setLong(16, plan.scoped());
            ruleset = (int) libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, (long) size, 0L);
        } catch (LastErrorException e) {
            throw new OsError("landlock_create_ruleset", e);
        }
        try {
            for (LandlockRule rule : plan.rules()) {
                addPathRule(ruleset, rule);
            }
            for (int port : plan.tcpConnectPorts()) {
                addPortRule(ruleset, LandlockAccess.NET_CONNECT_TCP, port, "tcp connect ");
            }
            for (int port : plan.tcpBindPorts()) {
                addPortRule(ruleset, LandlockAccess.NET_BIND_TCP, port, "tcp bind ");
            }
        } catch (OsError e) {
            libc.close(ruleset);
            throw e;
        }
        return ruleset;
    }

    /**
     * Adds the rules that need the cell's mounts (on the launch thread, after the pivot): a declared
     * path's rule from the descriptor its bind mount was made from; a rule on one of the cell's own
     * mounts from that path in the cell.
     */
    static void addLaunchRules(int ruleset, LandlockPlan plan, MountedCell mounted) throws OsError {
        for (LandlockPlan.LaunchRule rule : plan.launchRules()) {
            if (LandlockPlan.onCellProc(rule)) {
                continue; // added once the cell's /proc is mounted (addProcRules)
            }
            if (rule.declaredIndex() >= 0) {
                addRule(ruleset, mounted.declared(rule.declaredIndex()).fd(), rule.access(),
                        mounted.declared(rule.declaredIndex()).real().toString());
                continue;
            }
            int fd;
            try {
                fd = LibC.INSTANCE.open(rule.path().toString(), O_PATH | O_CLOEXEC);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENOENT && rule.source().equals(LandlockPlanner.TEMP_SOURCE)) {
                    continue; // e.g. no /var/tmp in this cell
                }
                throw new OsError("open(" + rule.path() + " in the cell, O_PATH) for a landlock rule", e);
            }
            try {
                addRule(ruleset, fd, rule.access(), rule.path().toString());
            } finally {
                LibC.INSTANCE.close(fd);
            }
        }
    }

    /**
     * Adds the rules on the cell's own /proc, once it is mounted (on the launch thread, as the cell's
     * identity). A path there that does not exist before the workload starts cannot be granted: the cell
     * is refused. /proc/self is one: it names the opener, which is no process of the cell.
     */
    static void addProcRules(int ruleset, LandlockPlan plan) throws OsError {
        for (LandlockPlan.LaunchRule rule : plan.procRules()) {
            int fd;
            try {
                fd = LibC.INSTANCE.open(rule.path().toString(), O_PATH | O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new OsError(rule.source() + " " + rule.path() + ": cannot be opened in the cell's own /proc before "
                        + "its workload starts (" + Linux.errnoName(e.getErrorCode()) + "); /proc/self and the "
                        + "workload's own entries do not exist yet: declare /proc", e);
            }
            try {
                addRule(ruleset, fd, rule.access(), rule.path() + " in the cell's /proc");
            } finally {
                LibC.INSTANCE.close(fd);
            }
        }
    }

    private static void addPortRule(int ruleset, long access, int port, String what) throws OsError {
        try (Memory attr = new Memory(NET_PORT_SIZE)) {
            attr.setLong(0, access);
            attr.setLong(8, port);
            LibC.INSTANCE.syscall(SYS_LANDLOCK_ADD_RULE, (long) ruleset, LANDLOCK_RULE_NET_PORT, attr, 0L);
        } catch (LastErrorException e) {
            throw new OsError("landlock_add_rule(" + what + port + ")", e);
        }
    }

    private static void addRule(int ruleset, int fd, long access, String what) throws OsError {
        try (Memory attr = new Memory(PATH_BENEATH_SIZE)) {
            attr.setLong(0, access);
            attr.setInt(8, fd);
            LibC.INSTANCE.syscall(SYS_LANDLOCK_ADD_RULE, (long) ruleset, LANDLOCK_RULE_PATH_BENEATH, attr, 0L);
        } catch (LastErrorException e) {
            throw new OsError("landlock_add_rule(" + what + ")", e);
        }
    }

    /** Restricts the calling thread to the ruleset (no_new_privs must be set) and closes it. */
    static void restrictSelf(int ruleset) throws OsError {
        restrictSelf(ruleset, 0);
    }

    /**
     * With ABI 7 and later the kernel writes an audit record for each denial of the workload (after its
     * exec; by default it would write none then), none for the runner's own probes on this thread
     * (before the exec) and none for sandboxes the workload nests inside: {@link LandlockAuditLog} reads them.
     */
    static void restrictSelf(int ruleset, int abi) throws OsError {
        try {
            LibC.INSTANCE.syscall(SYS_LANDLOCK_RESTRICT_SELF, (long) ruleset, restrictFlags(abi));
        } catch (LastErrorException e) {
            throw new OsError("landlock_restrict_self", e);
        } finally {
            LibC.INSTANCE.close(ruleset);
        }
    }

    /** The flags landlock_restrict_self takes for a cell's domain on this ABI (see {@link #restrictSelf(int, int)}). */
    public static long restrictFlags(int abi) {
        return abi >= 7 ? Linux.LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF | Linux.LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
                | Linux.LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF : 0;
    }

    /**
     * A carved rule names an entry found while listing a directory anyone may write to (e.g. /tmp):
     * by now its owner may have swapped it for a link to a private path. So it is opened without
     * following a link, and an entry that has become a link gets no rule (landlock takes none on a
     * link): like one found at planning, its target is allowed or not by its own path.
     */
    private static void addPathRule(int ruleset, LandlockRule rule) throws OsError {
        LibC libc = LibC.INSTANCE;
        int fd;
        try {
            fd = libc.open(rule.path().toString(), O_PATH | O_CLOEXEC | (rule.carved() ? O_NOFOLLOW : 0));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT && rule.carved()) {
                return; // a sibling listed while carving (e.g. a file in /tmp) is gone: nothing left to allow
            }
            throw new OsError("open(" + rule.path() + ", O_PATH) for a landlock rule", e);
        }
        try (Memory attr = new Memory(PATH_BENEATH_SIZE)) {
            attr.setLong(0, rule.access());
            attr.setInt(8, fd);
            libc.syscall(SYS_LANDLOCK_ADD_RULE, (long) ruleset, LANDLOCK_RULE_PATH_BENEATH, attr, 0L);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EINVAL && rule.carved() && Files.isSymbolicLink(rule.path())) {
                return;
            }
            throw new OsError("landlock_add_rule(" + rule.path() + ")", e);
        } finally {
            libc.close(fd);
        }
    }

    /** Runner-private regular files, listed while the thread may still look at them. */
    static List<Path> privateFiles(LandlockPlan plan) {
        return plan.privatePaths().stream().filter(Files::isRegularFile).toList();
    }

    /**
     * What the restricted thread can no longer do: read or write runner-private files (else write a
     * host file no rule makes writable), list / when no rule covers it, connect to an undeclared TCP
     * port, signal the runner's parent, connect to an abstract unix socket created outside the domain.
     */
    static List<Probe> probe(LandlockPlan plan, List<Path> privateFiles, AbstractSocket outside) {
        List<Probe> probes = new ArrayList<>();
        for (Path file : privateFiles) {
            // Landlock refuses it, or the mount view shows nothing there (absent, or masked by an empty file
            // in a place landlock lets the cell read, e.g. below its own /tmp).
            probes.add(Probe.readsNothing("landlock", file.toString(), () -> readSome(file.toString())));
            probes.add(Probe.expectOneOf("landlock", "open(" + file + ", O_WRONLY)", List.of(EACCES, EROFS, ENOENT),
                    () -> openAndClose(file.toString(), O_WRONLY)));
        }
        if (privateFiles.isEmpty()) {
            WRITE_PROBE_FILES.stream().map(Path::of).filter(Files::isRegularFile)
                    .filter(file -> !writable(plan, file)).findFirst()
                    .ifPresent(file -> probes.add(Probe.expectOneOf("landlock", "open(" + file + ", O_WRONLY)",
                            List.of(EACCES, EROFS), () -> openAndClose(file.toString(), O_WRONLY))));
        }
        if (plan.rules().stream().noneMatch(rule -> rule.path().equals(Path.of("/")))) {
            probes.add(Probe.expect("landlock", "open(/, O_RDONLY|O_DIRECTORY)", EACCES,
                    () -> openAndClose("/", O_RDONLY | O_DIRECTORY)));
        }
        if (plan.handledNet() != 0) {
            int port = undeclaredPort(plan.tcpConnectPorts());
            probes.add(Probe.expect("landlock", "connect(127.0.0.1:" + port + ")", EACCES, () -> connectTcp(port)));
        }
        if ((plan.scoped() & LandlockAccess.SCOPE_SIGNAL) != 0) {
            // Not the runner itself: landlock lets threads of one process signal each other.
            long outsider = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
            probes.add(Probe.expect("landlock", "kill(" + outsider + " outside the cell, 0)", EPERM,
                    () -> orMinusErrno(QuietLibC.INSTANCE.kill((int) outsider, 0))));
        }
        if (outside != null) {
            probes.add(Probe.expect("landlock", "connect(abstract unix @" + outside.name() + ")", EPERM,
                    outside::connect));
        }
        return probes;
    }

    private static boolean writable(LandlockPlan plan, Path file) {
        return plan.rules().stream().anyMatch(rule -> file.startsWith(rule.path())
                && (rule.access() & LandlockAccess.WRITE_FILE) != 0);
    }

    private static int undeclaredPort(List<Integer> declared) {
        int port = 9;
        while (declared.contains(port)) {
            port++;
        }
        return port;
    }

    // The probes' calls answer a refusal as minus its errno (Probe.Call): refused is what they expect.

    /** Opens {@code path} and reads up to one byte: how many it got. */
    private static long readSome(String path) {
        long fd = orMinusErrno(QuietLibC.INSTANCE.open(path, O_RDONLY | O_CLOEXEC));
        if (fd < 0) {
            return fd;
        }
        try (Memory one = new Memory(1)) {
            return orMinusErrno(QuietLibC.INSTANCE.read((int) fd, one, 1));
        } finally {
            LibC.INSTANCE.close((int) fd);
        }
    }

    private static long openAndClose(String path, int flags) {
        return closeIfOpened(orMinusErrno(QuietLibC.INSTANCE.open(path, flags | O_CLOEXEC)));
    }

    private static long connectTcp(int port) {
        try (Memory address = new Memory(16)) {
            address.clear();
            address.setShort(0, (short) AF_INET);
            address.setByte(2, (byte) (port >> 8));
            address.setByte(3, (byte) port);
            address.write(4, new byte[] {127, 0, 0, 1}, 0, 4);
            return connectOnce(AF_INET, SOCK_NONBLOCK, address, 16);
        }
    }

    /** A fresh socket of {@code domain} connected to {@code address}, then closed. */
    private static long connectOnce(int domain, int flags, Memory address, int length) {
        long fd = orMinusErrno(QuietLibC.INSTANCE.socket(domain, SOCK_STREAM | flags | SOCK_CLOEXEC, 0));
        if (fd < 0) {
            return fd;
        }
        try {
            return orMinusErrno(QuietLibC.INSTANCE.connect((int) fd, address, length));
        } finally {
            LibC.INSTANCE.close((int) fd);
        }
    }

    /**
     * A listening abstract unix socket made before the thread is restricted, so it lies outside the
     * domain; connecting to it afterwards must fail when abstract sockets are scoped.
     */
    record AbstractSocket(int fd, String name) implements AutoCloseable {
        static AbstractSocket listen(String name) throws OsError {
            LibC libc = LibC.INSTANCE;
            int fd;
            try {
                fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            } catch (LastErrorException e) {
                throw new OsError("socket(AF_UNIX) for the landlock probe", e);
            }
            try (Memory address = address(name)) {
                libc.bind(fd, address, length(name));
                libc.listen(fd, 1);
            } catch (LastErrorException e) {
                libc.close(fd);
                throw new OsError("listen(@" + name + ") for the landlock probe", e);
            }
            return new AbstractSocket(fd, name);
        }

        long connect() {
            try (Memory address = address(name)) {
                return connectOnce(AF_UNIX, 0, address, length(name));
            }
        }

        @Override
        public void close() {
            LibC.INSTANCE.close(fd);
        }

        private static Memory address(String name) {
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            Memory address = new Memory(110);
            address.clear();
            address.setShort(0, (short) AF_UNIX);
            address.write(3, bytes, 0, bytes.length); // sun_path[0] stays 0: the abstract namespace
            return address;
        }

        private static int length(String name) {
            return 3 + name.length();
        }
    }
}
