package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.FilesystemAuthority;
import dev.cellrunner.spec.Protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.cellrunner.runner.confine.LandlockAccess.EXEC;
import static dev.cellrunner.runner.confine.LandlockAccess.EXECUTE;
import static dev.cellrunner.runner.confine.LandlockAccess.FILE_RIGHTS;
import static dev.cellrunner.runner.confine.LandlockAccess.MODIFY;
import static dev.cellrunner.runner.confine.LandlockAccess.READ;
import static dev.cellrunner.runner.confine.LandlockAccess.READ_DIR;
import static dev.cellrunner.runner.confine.LandlockAccess.READ_FILE;
import static dev.cellrunner.runner.confine.LandlockAccess.TRUNCATE;
import static dev.cellrunner.runner.confine.LandlockAccess.WRITE;
import static dev.cellrunner.runner.confine.LandlockAccess.WRITE_FILE;

/**
 * Turns {@code authority.filesystem} and the egress rules into a landlock domain.
 *
 * <p>With {@code authority.filesystem} declared, the cell may use exactly: {@code readOnly} (read
 * files, list directories, execute: what a read-only mount allows), {@code readWrite} (read, create,
 * write, truncate, rename, remove; no execute, like a noexec mount), {@code exec} (read and execute,
 * which makes a readWrite path executable too), plus this baseline the workload needs to start:
 * <ul>
 *   <li>the executable, any {@code #!} interpreter and the ELF interpreter: read and execute;</li>
 *   <li>shared libraries: read in /lib, /lib64, /usr/lib, /usr/lib64, /usr/local/lib and
 *       /etc/ld.so.cache (those that exist);</li>
 *   <li>/dev/null: read, write, truncate; /dev/zero, /dev/random, /dev/urandom: read;</li>
 *   <li>the cell's own /tmp, /var/tmp and /dev/shm (one tmpfs; $TMPDIR is /tmp): read and write;</li>
 *   <li>cell-init, the cell's PID 1: read and execute.</li>
 * </ul>
 * /proc and /etc are not in the baseline: /etc holds host secrets (a root workload reads root-owned
 * files by ownership alone); list them (or parts) in readOnly when the workload needs them. A rule at or
 * below /proc names the cell's own /proc, which is mounted once PID 1 exists: PID 1 then makes the domain
 * ({@link LandlockPlan#madeByPid1}). Landlock also keeps a cell from ptrace-style access (/proc/&lt;pid&gt;/mem,
 * environ) to any process outside its domain.
 *
 * <p>Without {@code authority.filesystem} (and landlock present) the cell sees a read-only host: read
 * and execute beneath /, write only to /dev/null and its temp space.
 *
 * <p>Rules on the cell's fresh mounts, and on each declared path that is bound into the cell, are
 * added on the launch thread once the mounts exist ({@link LandlockPlan.LaunchRule}): a declared
 * path's rule then comes from the same descriptor as its bind mount, so both name one object.
 *
 * <p>Runner-private paths (the event trail, the other cells' temp dirs) are carved out of declared rules:
 * a read rule that covers one is replaced by rules on each of its siblings, level by level, and a
 * rule that could modify one is refused. Names in their directories stay listable, contents do not.
 * The read-only host's "/" is not carved: the mount view hides every private path below it, and a
 * carved "/" would leave the cell's own /proc without a rule ({@link #carveDeclared}).
 * The cell's own fresh mounts below such a rule keep its access by rules on them in the cell (see
 * {@link #keptOnFreshMounts}); else a trail outside them would leave cell-init, in /run, unexecutable.
 * With egress declared and ABI >= 4, TCP connect is limited to the declared TCP ports and bind is
 * denied (a cell with names may bind port 0, below); with ABI >= 6 abstract unix sockets and signals are scoped to the cell.
 */
public final class LandlockPlanner {
    static final List<String> LIBRARIES = List.of("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
            "/etc/ld.so.cache");
    static final List<String> READABLE_DEVICES = List.of("/dev/zero", "/dev/random", "/dev/urandom");
    static final String DEFAULT_SOURCE = "default: read-only host";
    static final String TEMP_SOURCE = "baseline: the cell's temp space";
    private static final String PROC = "/proc";

    private LandlockPlanner() {
    }

    /**
     * @param privatePaths runner files and directories the cell must not reach (need not exist)
     * @return empty when the kernel has no landlock and the document asks nothing of it
     */
    public static Optional<LandlockPlan> plan(FilesystemAuthority filesystem, List<EgressRule> egress,
                                              Optional<Path> executable, MountPlan mounts, int abi,
                                              List<Path> privatePaths) throws Refusal {
        if (abi <= 0) {
            if (filesystem != null) {
                throw new Refusal("authority.filesystem", "this kernel has no landlock (Linux 5.13 or later with "
                        + "landlock in its LSM list is needed), so the declared filesystem rules cannot be enforced");
            }
            return Optional.empty();
        }
        List<Path> privates = existing(privatePaths);
        List<LandlockRule> rules = new ArrayList<>();
        if (filesystem == null) {
            rules.add(new LandlockRule(Path.of("/"), EXEC, DEFAULT_SOURCE));
        } else {
            declared(rules, filesystem.readOnly(), EXEC, "authority.filesystem.readOnly", privates);
            declared(rules, filesystem.exec(), EXEC, "authority.filesystem.exec", privates);
            declared(rules, filesystem.readWrite(), WRITE, "authority.filesystem.readWrite", privates);
            baseline(rules, executable);
            add(rules, mounts.init(), READ_FILE | EXECUTE, "baseline: cell-init, the cell's PID 1");
        }
        add(rules, Path.of("/dev/null"), READ_FILE | WRITE_FILE | TRUNCATE, "baseline: /dev/null");
        List<LandlockRule> cellSide = new ArrayList<>();
        cellSide.add(new LandlockRule(Path.of("/tmp"), WRITE, TEMP_SOURCE));
        if (mounts.hostDirs().contains("/var/tmp")) {
            cellSide.add(new LandlockRule(Path.of("/var/tmp"), WRITE, TEMP_SOURCE));
        }
        cellSide.add(new LandlockRule(Path.of("/dev/shm"), WRITE, TEMP_SOURCE));
        long handledFs = LandlockAccess.filesystem(abi);
        List<LandlockRule> requested = masked(rules, handledFs);
        List<LandlockRule> ahead = new ArrayList<>();
        List<LandlockPlan.LaunchRule> atLaunch = new ArrayList<>();
        for (LandlockRule rule : carveDeclared(requested, privates)) {
            Optional<MountPlan.DeclaredMount> bound = rule.carved() || !rule.source().startsWith("authority.")
                    ? Optional.empty()
                    : mounts.declared().stream().filter(d -> d.planned().equals(rule.path())).findFirst();
            if (bound.isPresent()) {
                atLaunch.add(new LandlockPlan.LaunchRule(rule.path(), rule.access(), rule.source(), bound.get().index()));
            } else if (LandlockPlan.onCellProc(rule.source(), rule.path())) { // added once the cell's /proc exists
                atLaunch.add(new LandlockPlan.LaunchRule(rule.path(), rule.access(), rule.source(), -1));
            } else {
                ahead.add(rule);
            }
        }
        for (LandlockRule rule : masked(cellSide, handledFs)) {
            atLaunch.add(new LandlockPlan.LaunchRule(rule.path(), rule.access(), rule.source(), -1));
        }
        for (LandlockRule rule : keptOnFreshMounts(declaredOnly(requested), privates, mounts)) {
            atLaunch.add(new LandlockPlan.LaunchRule(rule.path(), rule.access(), rule.source(), -1));
        }
        List<LandlockRule> listed = new ArrayList<>(requested);
        listed.addAll(masked(cellSide, handledFs));
        long handledNet = egress.isEmpty() ? 0 : LandlockAccess.network(abi);
        List<Integer> ports = handledNet == 0 ? List.of() : java.util.stream.Stream.concat(egress.stream()
                .filter(rule -> rule.protocol() == Protocol.TCP).map(EgressRule::port), dnsOverTcp(egress))
                .distinct().sorted().toList();
        List<Integer> bindPorts = handledNet != 0 && namesAHost(egress) ? List.of(0) : List.of();
        return Optional.of(new LandlockPlan(abi, filesystem != null, handledFs, handledNet,
                LandlockAccess.scopes(abi), listed, ahead, ports, bindPorts, privates, atLaunch));
    }

    /**
     * Port 53 where a rule names a host: DNS over TCP to the cell's responder (the cell's ruleset sends
     * port 53 to nothing else).
     */
    private static Stream<Integer> dnsOverTcp(List<EgressRule> egress) {
        return namesAHost(egress) ? Stream.of(53) : Stream.empty();
    }

    /*
     * A cell with names may also bind port 0 (an ephemeral port of the kernel's choosing): dig and other
     * DNS clients bind their TCP socket before connecting to the responder. It grants nothing new, since
     * connect() and listen() on an unbound socket take an ephemeral port without asking landlock, and
     * connect() stays limited to the ports above. A fixed port stays refused.
     */
    private static boolean namesAHost(List<EgressRule> egress) {
        return egress.stream().anyMatch(rule -> {
            try {
                return EgressHost.parse(rule.host()) instanceof EgressHost.DnsPattern;
            } catch (IllegalArgumentException invalid) {
                return false;
            }
        });
    }

    /**
     * What carving must not take from the cell's own fresh mounts (/run with cell-init, /dev, the temp space):
     * landlock's walk up from a file skips the directory a mount covers, so from inside them only a rule on
     * one of their own directories or on a directory above their mount point (e.g. "/") counts, never the
     * host's /run or /dev that {@link #carve} puts in that rule's place. Each fresh mount below a carved rule,
     * with no private path inside, keeps the rule's access by a rule on it in the cell. Not /proc: the
     * cell's own is mounted over it only once PID 1 exists, after the domain is made, and hides that rule.
     */
    private static List<LandlockRule> keptOnFreshMounts(List<LandlockRule> requested, List<Path> privates,
                                                        MountPlan mounts) {
        List<LandlockRule> kept = new ArrayList<>();
        for (LandlockRule rule : requested) {
            boolean carved = (rule.access() & ~READ_DIR) != 0
                    && privates.stream().anyMatch(secret -> secret.startsWith(rule.path()));
            for (String fresh : carved ? MountPlan.FRESH : List.<String>of()) {
                Path mount = Path.of(fresh);
                boolean inCell = !MountPlan.OPTIONAL_DIRS.contains(fresh) || mounts.hostDirs().contains(fresh);
                if (inCell && !fresh.equals(PROC) && mount.startsWith(rule.path()) && !mount.equals(rule.path())
                        && privates.stream().noneMatch(secret -> secret.startsWith(mount))) {
                    kept.add(new LandlockRule(mount, rule.access(), rule.source()));
                }
            }
        }
        return kept;
    }

    /** Only rights the ABI knows; a rule left with none is dropped. */
    private static List<LandlockRule> masked(List<LandlockRule> rules, long handledFs) {
        List<LandlockRule> result = new ArrayList<>();
        for (LandlockRule rule : rules) {
            long access = rule.access() & handledFs;
            if (access != 0) {
                result.add(new LandlockRule(rule.path(), access, rule.source(), rule.carved()));
            }
        }
        return result;
    }

    private static void declared(List<LandlockRule> rules, List<String> paths, long access, String source,
                                 List<Path> privates) throws Refusal {
        for (String declared : paths) {
            Path real;
            Path inCell = Path.of(declared).normalize();
            if (LandlockPlan.onCellProc(source, inCell)) {
                // the cell's own /proc, not the host's: what it holds is known once PID 1 exists (Landlock.addProcRules)
                String entry = inCell.getNameCount() > 1 ? inCell.getName(1).toString() : "";
                if (entry.equals("self") || entry.equals("thread-self") || (entry.matches("[0-9]+") && !entry.equals("1"))) {
                    throw new Refusal(source, declared + " names a process of the cell, which does not exist yet when "
                            + "the rules on the cell's /proc are made (only its PID 1 does, /proc/1); declare /proc: the "
                            + "cell sees only its own processes there");
                }
                rules.add(new LandlockRule(inCell, fitted(inCell, access), source));
                continue;
            }
            try {
                real = Path.of(declared).toRealPath();
            } catch (NoSuchFileException e) {
                throw new Refusal(source, declared + " does not exist on this host");
            } catch (IOException e) {
                throw new Refusal(source, declared + ": " + e.getMessage());
            }
            for (Path secret : privates) {
                if (secret.equals(real) || (secret.startsWith(real) && (access & MODIFY) != 0)) {
                    throw new Refusal(source, declared + " would expose the runner's own " + secret
                            + " (event trail or another cell's files) to the cell; narrow the rule or move the trail");
                }
            }
            rules.add(new LandlockRule(real, fitted(real, access), source));
        }
    }

    private static void baseline(List<LandlockRule> rules, Optional<Path> executable) throws Refusal {
        if (executable.isPresent()) {
            List<Path> chain;
            try {
                chain = ExecutableChain.of(executable.get());
            } catch (IOException e) {
                throw new Refusal("authority.filesystem", "cannot read " + executable.get() + ": " + e.getMessage());
            }
            for (Path file : chain) {
                add(rules, file, READ_FILE | EXECUTE, "baseline: executable " + file);
            }
        }
        for (String library : LIBRARIES) {
            add(rules, Path.of(library), READ, "baseline: shared libraries");
        }
        for (String device : READABLE_DEVICES) {
            add(rules, Path.of(device), READ_FILE, "baseline: " + device);
        }
    }

    /** Adds a rule on the real path of {@code path}; baseline paths that do not exist are skipped. */
    private static void add(List<LandlockRule> rules, Path path, long access, String source) {
        try {
            Path real = path.toRealPath();
            rules.add(new LandlockRule(real, fitted(real, access), source));
        } catch (IOException e) {
            // not on this host: nothing to allow
        }
    }

    /** Landlock refuses directory rights on a file rule. */
    private static long fitted(Path real, long access) {
        return Files.isDirectory(real) ? access : access & FILE_RIGHTS;
    }

    /**
     * The declared rules carved ({@link #carve}); the read-only host's rule as it is. Every private path
     * that rule covers is hidden by the mount view already (masked by an empty file or directory, or
     * absent from a fresh mount), and the cell's observation checks each one, so carving it would add no
     * protection, only take away the cell's own /proc: that is mounted once PID 1 exists, after the domain
     * is made, and landlock's walk up from it skips the directory it covers, so only a rule on "/" reaches it.
     */
    private static List<LandlockRule> carveDeclared(List<LandlockRule> requested, List<Path> privates) throws Refusal {
        List<LandlockRule> result = new ArrayList<>();
        for (LandlockRule rule : requested) {
            result.addAll(isReadOnlyHost(rule) ? List.of(rule) : carve(List.of(rule), privates));
        }
        return result;
    }

    private static List<LandlockRule> declaredOnly(List<LandlockRule> rules) {
        return rules.stream().filter(rule -> !isReadOnlyHost(rule)).toList();
    }

    /** The read-only host's "/" rule, which is never carved: the mount view masks what is private below it. */
    static boolean isReadOnlyHost(LandlockRule rule) {
        return rule.source().equals(DEFAULT_SOURCE);
    }

    /** Replaces every rule that covers a private path by rules on the siblings along the way. */
    static List<LandlockRule> carve(List<LandlockRule> rules, List<Path> privates) throws Refusal {
        List<LandlockRule> result = new ArrayList<>(rules);
        for (Path secret : privates) {
            List<LandlockRule> next = new ArrayList<>();
            for (LandlockRule rule : result) {
                if ((rule.access() & ~READ_DIR) == 0) {
                    next.add(rule); // listing names reveals no content
                } else if (secret.equals(rule.path())) {
                    continue; // a generated rule on the private file itself: dropped
                } else if (!secret.startsWith(rule.path())) {
                    next.add(rule);
                } else if ((rule.access() & MODIFY) != 0) {
                    throw new Refusal("authority.filesystem", rule.path() + " (" + rule.source()
                            + ") would let the cell modify the runner's own " + secret);
                } else {
                    next.addAll(around(rule, secret));
                }
            }
            result = next;
        }
        return result;
    }

    private static List<LandlockRule> around(LandlockRule rule, Path secret) throws Refusal {
        List<LandlockRule> rules = new ArrayList<>();
        String source = rule.source() + " except " + secret;
        for (Path dir = rule.path(); !dir.equals(secret); dir = dir.resolve(secret.getName(dir.getNameCount()))) {
            Path towards = dir.resolve(secret.getName(dir.getNameCount()));
            if ((rule.access() & READ_DIR) != 0) {
                rules.add(new LandlockRule(dir, READ_DIR, source, true));
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.sorted().toList()) {
                    Optional<BasicFileAttributes> attributes = attributesOf(entry);
                    if (entry.equals(towards) || attributes.isEmpty() || attributes.get().isSymbolicLink()) {
                        continue; // a link's target is allowed or not by its own path; a vanished entry needs no rule
                    }
                    long access = attributes.get().isDirectory() ? rule.access() : rule.access() & FILE_RIGHTS;
                    if (access != 0) {
                        rules.add(new LandlockRule(entry, access, source, true));
                    }
                }
            } catch (IOException e) {
                throw new Refusal("authority.filesystem", "cannot list " + dir + " to keep " + secret
                        + " out of the cell: " + e.getMessage());
            }
        }
        return rules;
    }

    /** One lstat per entry (the listing of a busy directory like /tmp is long); empty when it is gone. */
    private static Optional<BasicFileAttributes> attributesOf(Path entry) {
        try {
            return Optional.of(Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Path> existing(List<Path> paths) {
        List<Path> real = new ArrayList<>();
        for (Path path : paths) {
            try {
                real.add(path.toRealPath());
            } catch (IOException e) {
                // a private path that does not exist needs no protection
            }
        }
        return real;
    }
}
