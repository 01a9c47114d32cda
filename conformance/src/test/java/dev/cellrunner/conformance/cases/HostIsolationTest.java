package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cellrunner.conformance.harness.Await;
import dev.cellrunner.conformance.harness.CellEvent;
import dev.cellrunner.conformance.harness.CellHold;
import dev.cellrunner.conformance.harness.ContractChecks;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.HostTreeDir;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.KeyFiles;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunningRunner;
import dev.cellrunner.conformance.harness.Spec;
import dev.cellrunner.conformance.harness.Trail;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on the host from inside a cell that the cell's own mount, PID, IPC and UTS namespaces stop:
 * each case shows the attack would be seen (a control the cell can do) and that it failed, checked on
 * the host, not only in what the cell printed.
 */
@ContractSection("§2 confinement: the cell's own mount, PID, IPC and UTS namespaces")
@ExtendWith(HarnessExtension.class)
class HostIsolationTest {
    private static final String ATTEMPT = "CRCONF-ATTEMPT";
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> ALL =
            PosixFilePermissions.fromString("rwxrwxrwx");

    @Test
    @DisplayName("chmod 4755 of a root-owned host binary fails for a cell, a root cell too (the host is a read-only mount); its own files it may chmod")
    void setuidOnAHostBinaryFailsEvenForARootCell(Harness h) throws IOException {
        Kernel.requireNetworkNamespaces();
        try (HostTreeDir victimDir = HostTreeDir.create(h, "victim")) {
            Path victim = Files.copy(Path.of("/bin/true"), victimDir.resolve("true"), StandardCopyOption.COPY_ATTRIBUTES);
            Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwxr-xr-x"));
            // a cell of its own allocated uid, and a root cell (which the runner runs only with its consent);
            // each creates the file it then chmods, so it owns it
            for (Spec spec : List.of(
                    Spec.shell("crconf-setuid", script(victim, h.cellFile("own-allocated"))).writable(h.cellDir()),
                    Spec.shell("crconf-setuid-root", script(victim, h.cellFile("own-root"))).writable(h.cellDir())
                            .field("/spec/run", "user", TextNode.valueOf("root")))) {
                RunResult result = h.call(RunnerCall.run(h.writeSpec(spec)).options("--allow-root-cells"));

                assertThat(result.stdoutText()).as("the cell ran, ran the host binary and could chmod its own file\n%s",
                        result.describe()).contains(ATTEMPT, "victim-ran", "own=700");
                assertThat(result.stdoutText()).as("what the cell's chmod of the host binary did").contains("host-chmod=1");
                assertThat(Files.getPosixFilePermissions(victim, LinkOption.NOFOLLOW_LINKS))
                        .as("the host binary's mode after the cell ran").isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
                assertThat(Files.getAttribute(victim, "unix:mode")).as("no setuid bit").matches(mode -> ((int) mode & 04000) == 0);
            }
        }
    }

    private static String script(Path victim, Path own) {
        return "echo " + ATTEMPT + "; " + victim + " && echo victim-ran; echo x > " + own + "; chmod 700 " + own + " && echo own=$(stat -c %a " + own + "); chmod 4755 " + victim
                + " 2>/dev/null; echo host-chmod=$?";
    }

    @Test
    @DisplayName("prlimit on its runner, on another cell and on a host root process, from a default and from a root cell: none of them is in the cell's PID namespace (and seccomp refuses another pid); all keep their limits, the runner completes its trail")
    void prlimitReachesNeitherTheRunnerNorOtherCellsNorHostProcesses(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Process sleeper = new ProcessBuilder("/bin/sleep", "120").start();
        CellHold victimHold = h.hold("victim");
        RunningRunner victim = h.start(RunnerCall.run(h.writeSpec(Spec.shell("crconf-prlimit-victim", victimHold.script())
                .writable(h.cellDir()).ttlSeconds(110))).limit(Duration.ofSeconds(120)));
        try {
            long victimPid = victimHold.awaitPid(victim);
            for (boolean root : List.of(false, true)) {
                prlimitAttack(h, root, List.of(sleeper.pid(), victimPid, victim.pid()));
            }
            victimHold.release();
            RunResult victimResult = victim.awaitExit();
            assertThat(victimResult.exitCode()).as("the other cell ended as it would have\n%s", victimResult.describe()).isZero();
            ContractChecks.assertCompletedRun(victimResult);
        } finally {
            victimHold.release();
            sleeper.destroyForcibly();
        }
    }

    /** One attacking cell: tries RLIMIT_CPU and RLIMIT_FSIZE of 1 on its runner and on each of {@code others}. */
    private static void prlimitAttack(Harness h, boolean root, List<Long> others) throws Exception {
        String name = root ? "root" : "default";
        CellHold ready = h.hold("prlimit-" + name);
        CellHold done = h.hold("prlimit-" + name + "-done");
        // the runner's pid is only known once it runs: the cell reads its targets from a file the case writes
        Path targets = h.cellFile("targets-" + name);
        // the control: prlimit works on the caller itself (seccomp admits pid 0)
        String script = "echo " + ATTEMPT + "; prlimit --cpu=100:100 true && echo own=ok; " + ready.script()
                + "; for p in $(cat " + targets + "); do prlimit --pid $p --cpu=1:1 --fsize=1:1 2>/dev/null;"
                + " echo \"prlimit-$p=$?\"; test -e /proc/$p && echo \"seen-$p\"; done; " + done.script();
        Spec spec = Spec.shell("crconf-prlimit-" + name, script).writable(h.cellDir());
        RunnerCall call = RunnerCall.run(h.writeSpec(root ? spec.user("root") : spec));
        RunningRunner running = h.start(root ? call.options("--allow-root-cells") : call);
        ready.awaitPid(running);
        List<Long> all = new ArrayList<>(others);
        all.add(0, running.pid());
        Map<Long, String> before = new HashMap<>();
        for (long pid : all) {
            before.put(pid, limits(pid));
        }
        Files.writeString(targets, String.join(" ", all.stream().map(String::valueOf).toList()));
        ready.release();
        done.awaitPid(running);
        for (long pid : all) {
            assertThat(limits(pid)).as("RLIMIT_CPU and RLIMIT_FSIZE of %d after the %s cell's attempt", pid, name)
                    .isEqualTo(before.get(pid));
        }
        done.release();
        RunResult result = running.awaitExit();

        assertThat(result.stdoutText()).as("the %s cell ran and could set its own limit\n%s", name, result.describe())
                .contains(ATTEMPT, "own=ok");
        for (long pid : all) {
            assertThat(result.stdoutText()).as("prlimit on host pid %d from the %s cell", pid, name)
                    .contains("prlimit-" + pid + "=1").doesNotContain("seen-" + pid);
        }
        assertThat(result.exitCode()).as(result.describe()).isZero();
        ContractChecks.assertCompletedRun(result);
    }

    @Test
    @DisplayName("the host's /proc is not listable: the cell's /proc shows its own processes only, and PID 1 is the cell's init (default, root, and a declared readOnly /proc)")
    void theCellsProcShowsOnlyItsOwnProcesses(Harness h) {
        Kernel.requireNetworkNamespaces();
        String script = "echo " + ATTEMPT + "; echo self=$$; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '; echo; "
                + "echo init=$(cat /proc/1/cmdline | tr '\\0' ' '); echo hostname=$(hostname); "
                + "test -e /proc/" + ProcessHandle.current().pid() + " && echo host-pid-seen; true";
        assertCellsOwnProc(h.run(Spec.shell("crconf-Proc_View", script).writable(h.cellDir())));
        assertCellsOwnProc(h.call(RunnerCall.run(h.writeSpec(Spec.shell("crconf-Proc_View", script).writable(h.cellDir())
                .user("root"))).options("--allow-root-cells")));
        // a declared filesystem without "/": the rule on /proc names the cell's own proc, never the host's
        RunResult declared = h.run(Spec.shell("crconf-Proc_View", script).filesystem(List.of("/usr", "/proc"),
                List.of(h.cellDir().toString())));
        assertCellsOwnProc(declared);
        assertThat(declared.trail().data(EventType.CONFINEMENT).path("landlock").path("madeBy").asText())
                .as("PID 1 made the domain once the cell's /proc was mounted").isEqualTo("pid1");
    }

    private static void assertCellsOwnProc(RunResult result) {

        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<String> lines = result.stdoutText().lines().toList();
        assertThat(lines).as("what the cell printed\n%s", result.describe()).contains(ATTEMPT);
        String self = lines.stream().filter(l -> l.startsWith("self=")).findFirst().orElseThrow().substring(5);
        List<String> pids = List.of(lines.get(lines.indexOf("self=" + self) + 1).trim().split("\\s+"));
        assertThat(pids).as("numeric entries of the cell's /proc (its own shell is among them)").contains(self)
                .doesNotContain(Long.toString(ProcessHandle.current().pid()));
        assertThat(pids.size()).as("the cell's processes only, not the host's %s", pids).isLessThan(10);
        assertThat(lines).as("the cell's PID 1").anyMatch(l -> l.startsWith("init=cell-init "));
        assertThat(lines).as("the cell's hostname, its id made a hostname").contains("hostname=crconf-proc-view")
                .doesNotContain("host-pid-seen");
        JsonNode confinement = result.trail().data(EventType.CONFINEMENT);
        assertThat(confinement.path("pid1").path("observed").path("cellPid").asText()).isEqualTo("1");
        assertThat(confinement.path("namespaces").path("enforced").asBoolean()).as("%s", confinement.path("namespaces")).isTrue();
    }

    @Test
    @DisplayName("SysV IPC, from a default and from a root cell: the host's root-only shared memory segment can be neither found, read nor written; the cell's own segment, queue and semaphore set are gone with it")
    void sysvIpcIsTheCellsOwn(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        int hostKey = 0x10000000 + ThreadLocalRandom.current().nextInt(0x0fffffff);
        String secret = "crconf-shm-" + UUID.randomUUID().toString().substring(0, 8);
        String hostId = exec("perl", "-e", "my $id = shmget($ARGV[0], 4096, 0600 | 01000) // die $!; "
                + "shmwrite($id, $ARGV[1], 0, length $ARGV[1]) or die $!; print $id", Integer.toString(hostKey), secret).strip();
        assertThat(hostId).as("the host's segment").matches("[0-9]+");
        try {
            // the control: the same probe, run on the host, finds and reads the segment
            assertThat(exec("perl", "-e", SHM_PROBE, Integer.toString(hostKey), hostId, "nowrite"))
                    .as("the probe on the host").contains("bykey=found", "read=ok:" + secret);
            for (boolean root : List.of(false, true)) {
                int ownKey = 0x20000000 + ThreadLocalRandom.current().nextInt(0x0fffffff);
                String own = String.format("0x%08x", ownKey);
                String script = "echo " + ATTEMPT + "; perl -e '" + SHM_PROBE + "' " + hostKey + " " + hostId + " write; "
                        + "perl -e 'my $k = $ARGV[0]; print \"own-shm=\", (defined shmget($k, 4096, 0600 | 01000) ? 1 : 0), "
                        + "\" own-msg=\", (defined msgget($k, 0600 | 01000) ? 1 : 0), \" own-sem=\", "
                        + "(defined semget($k, 1, 0600 | 01000) ? 1 : 0), \"\\n\"' " + ownKey + "; "
                        + "echo listed=$(ipcs | grep -c " + own + ") host-listed=$(ipcs | grep -c " + String.format("0x%08x", hostKey) + ")";
                Spec spec = Spec.shell("crconf-sysv-" + (root ? "root" : "default"), script).writable(h.cellDir());
                RunResult result = root ? h.call(RunnerCall.run(h.writeSpec(spec.user("root"))).options("--allow-root-cells"))
                        : h.run(spec);

                assertThat(result.stdoutText()).as("the cell made a segment, a queue and a semaphore set and listed them\n%s",
                        result.describe()).contains(ATTEMPT, "own-shm=1 own-msg=1 own-sem=1", "listed=3 host-listed=0");
                assertThat(result.stdoutText()).as("the host's segment from the cell").contains("bykey=errno2")
                        .doesNotContain("read=ok", "write=ok", secret);
                assertThat(exec("ipcs")).as("the host's IPC objects after the cell ended").doesNotContain(own);
                assertThat(exec("perl", "-e", SHM_PROBE, Integer.toString(hostKey), hostId, "nowrite"))
                        .as("the host's segment after the cell").contains("read=ok:" + secret);
            }
        } finally {
            exec("ipcrm", "-m", hostId);
        }
    }

    /** perl, arguments KEY ID write|nowrite: finds a segment by key, reads it by id, writes it (when asked). */
    private static final String SHM_PROBE = "my ($key, $id, $write) = @ARGV; my $found = shmget($key, 0, 0); "
            + "print \"bykey=\", (defined $found ? \"found\" : \"errno\" . ($! + 0)), \"\\n\"; my $buf; "
            + "print \"read=\", (shmread($id, $buf, 0, 64) ? \"ok:\" . ($buf =~ s/\\0+$//r) : \"errno\" . ($! + 0)), \"\\n\"; "
            + "print \"write=\", (shmwrite($id, \"cell-was-here\", 0, 13) ? \"ok\" : \"errno\" . ($! + 0)), \"\\n\" "
            + "if $write eq \"write\";";

    @Test
    @DisplayName("pathname unix sockets: a root-only socket in a 0700 directory of the host and a socket in another cell's temp space are out of reach")
    void unixSocketsOfTheHostAndOfOtherCellsAreUnreachable(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Path privateDir = Files.createDirectories(Path.of("/run", "crconf-" + UUID.randomUUID()),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path hostSocket = privateDir.resolve("root-only.sock");
        Process listener = new ProcessBuilder("perl", "-MIO::Socket::UNIX", "-e",
                "my $s = IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 5) or die $!; print \"up\\n\"; "
                        + "$|=1; while (my $c = $s->accept) { print $c \"host-secret\\n\"; close $c }", hostSocket.toString())
                .redirectErrorStream(true).start();
        try {
            assertThat(new String(listener.getInputStream().readNBytes(3))).isEqualTo("up\n");
            assertThat(connect(hostSocket.toString())).as("the host itself reaches its socket (control)").contains("host-secret");
            String other = "/tmp/crconf-other-" + UUID.randomUUID() + ".sock";
            // cell A listens in its own /tmp and reaches itself; cell B, running meanwhile, tries A's socket and the host's
            CellHold hold = h.hold("socket-a");
            String cellA = "perl -MIO::Socket::UNIX -e 'my $s = IO::Socket::UNIX->new(Local => \"" + other
                    + "\", Listen => 5) or die $!; if (fork) { while (my $c = $s->accept) { print $c \"cell-a\\n\"; close $c } } "
                    + "else { exit 0 }' & sleep 0.3; " + CONNECT.replace("PATH", other) + " && echo a-self=ok; " + hold.script();
            RunningRunner a = h.start(RunnerCall.run(h.writeSpec(Spec.shell("crconf-socket-a", cellA).writable(h.cellDir()))));
            hold.awaitPid(a);
            String cellB = "echo " + ATTEMPT + "; " + HostTreeAttacksTest.OWN_SOCKET + "; " + CONNECT.replace("PATH", other) + "; echo other-cell=$?; "
                    + CONNECT.replace("PATH", hostSocket.toString()) + "; echo host=$?";
            RunResult b = h.run(Spec.shell("crconf-socket-b", cellB).writable(h.cellDir()));
            hold.release();
            RunResult resultA = a.awaitExit();

            assertThat(resultA.stdoutText()).as("cell A reached its own socket (control)\n%s", resultA.describe())
                    .contains("cell-a", "a-self=ok");
            assertThat(b.stdoutText()).as("what cell B reached\n%s", b.describe()).contains(ATTEMPT, "own=ok:own", "other-cell=1", "host=1")
                    .doesNotContain("cell-a", "host-secret");
        } finally {
            listener.destroyForcibly();
            listener.waitFor(5, TimeUnit.SECONDS);
            deleteTree(privateDir);
        }
    }

    /** A shell fragment that connects to the unix socket PATH and prints what it says; exit 1 when it cannot. */
    private static final String CONNECT = "perl -MIO::Socket::UNIX -e 'my $c = IO::Socket::UNIX->new(Peer => \"PATH\") "
            + "or exit 1; print scalar <$c>' 2>/dev/null";

    @Test
    @DisplayName("another runner's signing key, trail, state directory and lock files are not visible in a default or a root cell, nor lockable; the shared temp base cannot be changed")
    void anotherRunnersFilesAreNotVisible(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        KeyFiles keys = KeyFiles.generate(h, "other-keys");
        Path state = Files.createDirectories(h.dir().resolve("other-state"));
        Path otherTrail = h.file("other-trail.jsonl");
        CellHold hold = h.hold("other");
        RunningRunner other = h.start(RunnerCall.of("run", "--signing-key", keys.privateKey().toString(), "--events",
                        "jsonl:" + otherTrail, h.writeSpec(Spec.shell("crconf-other", hold.script()).writable(h.cellDir())
                                .egress("198.51.100.7", 443, "tcp")).toString())
                .env("CELL_RUNNER_STATE_DIR", state.toString()));
        try {
            hold.awaitPid(other);
            List<Path> files = new ArrayList<>(List.of(keys.privateKey(), otherTrail, state, Path.of("/run/cell-runner")));
            try (var entries = Files.walk(state)) {
                entries.filter(Files::isRegularFile).forEach(files::add); // its slot lock files
            }
            assertThat(files).as("the other runner's files exist on the host").allMatch(Files::exists);
            assertThat(files).as("the other runner's lock files").anyMatch(file -> file.startsWith(state)
                    && Files.isRegularFile(file));
            Path tempBase = Path.of(System.getProperty("java.io.tmpdir"), "cellrunner-cells");
            StringBuilder script = new StringBuilder("echo " + ATTEMPT + "; ls / >/dev/null && echo root-listed; ");
            for (Path file : files) {
                script.append("ls -d ").append(file).append(" >/dev/null 2>&1; echo \"seen=$? ").append(file).append("\"; ");
            }
            // a shared read lock on the trail and on each of its lock files
            for (Path file : files) {
                if (file.equals(otherTrail) || file.startsWith(state) && Files.isRegularFile(file)) {
                    script.append("flock -s -w 1 ").append(file).append(" true 2>/dev/null; echo lock=$?; ");
                }
            }
            script.append("chmod 777 ").append(tempBase).append(" 2>/dev/null; echo base=$?");
            for (boolean root : List.of(false, true)) {
                Spec look = Spec.shell("crconf-look", script.toString()).writable(h.cellDir());
                RunResult result = root ? h.call(RunnerCall.run(h.writeSpec(look.user("root"))).options("--allow-root-cells"))
                        : h.run(look);

                assertThat(result.stdoutText()).as("the cell ran and could list its root\n%s", result.describe())
                        .contains(ATTEMPT, "root-listed");
                for (Path file : files) {
                    assertThat(result.stdoutText()).as("whether the cell saw %s", file).contains("seen=2 " + file);
                }
                // flock fails either way: 1 when the lock is held, 66 when the file cannot be opened (not there)
                assertThat(result.stdoutText()).contains("lock=", "base=1").doesNotContain("lock=0");
                if (Files.exists(tempBase)) {
                    assertThat(Files.getPosixFilePermissions(tempBase)).as("the shared temp base").doesNotContain(
                            java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
                }
            }
        } finally {
            hold.release();
            other.awaitExit();
        }
        ContractChecks.assertTrailVerifies(h, otherTrail, keys.publicKey());
    }

    @Test
    @DisplayName("serve killed with SIGKILL: no process of its cell outlives it by more than 1 s, and gc leaves nothing to do but its groups")
    void aKilledServerTakesItsCellsWithIt(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        String marker = h.marker();
        Path socket = h.dir().resolve("sock/serve.sock");
        RunningRunner server = h.start(RunnerCall.of("serve", "--socket", socket.toString(), "--events",
                "jsonl:" + h.file("serve.jsonl")).limit(Duration.ofSeconds(120)));
        try {
            Await.until(Duration.ofSeconds(60), "the server to listen", () -> Files.exists(socket));
            Path spec = h.writeSpec(Spec.cell("crconf-serve-kill", "/bin/bash", "-c", "( setsid /bin/bash -c 'trap \"\" TERM; exec -a "
                    + marker + "-grandchild sleep 120' & ); exec -a " + marker + "-child sleep 120"));
            RunningRunner client = h.start(RunnerCall.of("submit", "--socket", socket.toString(), spec.toString()));
            Await.until(Duration.ofSeconds(60), "the cell's child and grandchild to run",
                    () -> Proc.processesNamed(marker + "-child").size() == 1
                        && Proc.processesNamed(marker + "-grandchild").size() == 1);

            ProcessHandle.of(server.pid()).orElseThrow().destroyForcibly();
            server.awaitExit();
            long died = System.nanoTime();
            Await.until(Duration.ofSeconds(5), "the cell's processes to end with the server",
                    () -> Proc.processesWithMarker(marker).isEmpty());
            assertThat(Duration.ofNanos(System.nanoTime() - died)).as("how long the cell outlived its killed server")
                    .isLessThanOrEqualTo(Duration.ofSeconds(1));
            client.awaitExit();
            RunResult gc = h.call(RunnerCall.of("gc"));
            assertThat(gc.exitCode()).as("gc after the killed server\n%s", gc.describe()).isZero();
        } finally {
            Proc.killProcessesWithMarker(marker);
        }
    }

    @Test
    @DisplayName("a declared readWrite path whose link is swapped during planning (30 runs): a cell writes only where the event says it was mounted, or is refused")
    void aLinkSwappedDuringPlanningNeverRedirectsWrites(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        // both writable by the uid allocated to each cell: a cell that ran writes into whichever it got
        Path declared = Files.setPosixFilePermissions(Files.createDirectories(h.cellDir().resolve("declared")), ALL);
        Path elsewhere = Files.setPosixFilePermissions(Files.createDirectories(h.cellDir().resolve("elsewhere")), ALL);
        Path link = h.cellDir().resolve("link");
        Files.createSymbolicLink(link, declared);
        List<Path> specs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String name = "marker-" + i;
            specs.add(h.writeSpec(Spec.shell("crconf-swap-" + i, "echo x > " + declared + "/" + name + " 2>/dev/null; echo x > "
                    + elsewhere + "/" + name + " 2>/dev/null; true").filesystem(List.of("/"), List.of(link.toString()))));
        }
        AtomicBoolean swapping = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger swaps = new java.util.concurrent.atomic.AtomicInteger();
        Thread swapper = new Thread(() -> {
            Path spare = h.cellDir().resolve("link.next");
            for (int n = 0; swapping.get(); n = swaps.incrementAndGet()) {
                try {
                    Files.deleteIfExists(spare);
                    Files.createSymbolicLink(spare, n % 2 == 0 ? elsewhere : declared);
                    Files.move(spare, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }, "crconf-swapper");
        swapper.start();
        RunResult result;
        try {
            List<String> arguments = new ArrayList<>(List.of("run", "--parallel", "2"));
            specs.forEach(spec -> arguments.add(spec.toString()));
            Path trailFile = h.file("swap.jsonl");
            arguments.addAll(1, List.of("--events", "jsonl:" + trailFile));
            result = h.call(RunnerCall.of(arguments.toArray(String[]::new)).limit(Duration.ofSeconds(300)));
            swapping.set(false);
            swapper.join();
            Trail trail = Trail.read(trailFile);
            int ran = 0;
            for (List<CellEvent> run : trail.runs().values()) {
                String id = run.get(0).json().path("subject").asText().replace("cell:crconf-swap-", "");
                String name = "marker-" + id;
                CellEvent confinement = run.stream().filter(e -> e.is(EventType.CONFINEMENT)).findFirst().orElseThrow();
                JsonNode mounts = confinement.data().path("mounts").path("declared");
                if (!mounts.isArray() || mounts.isEmpty()) {
                    assertThat(declared.resolve(name)).as("a refused cell wrote nothing\n%s", confinement).doesNotExist();
                    assertThat(elsewhere.resolve(name)).as("a refused cell wrote nothing\n%s", confinement).doesNotExist();
                    continue;
                }
                ran++;
                Path mounted = Path.of(mounts.get(0).path("mounted").asText());
                Path other = mounted.equals(declared.toRealPath()) ? elsewhere : declared;
                assertThat(mounted.resolve(name)).as("the cell wrote where the event says it was mounted").exists();
                assertThat(other.resolve(name)).as("the cell wrote nowhere else than %s", mounted).doesNotExist();
            }
            assertThat(trail.runs()).as("every document ran or was refused\n%s", result.describe()).hasSize(30);
            assertThat(ran).as("cells that ran (else the case shows nothing)").isPositive();
            assertThat(swaps.get()).as("times the link was swapped while the runner planned (else nothing was attempted)")
                    .isGreaterThan(30);
        } finally {
            swapping.set(false);
            swapper.join();
        }
    }

    /** The RLIMIT_CPU and RLIMIT_FSIZE lines of /proc/PID/limits. */
    private static String limits(long pid) throws IOException {
        return String.join("\n", Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits")).stream()
                .filter(l -> l.startsWith("Max cpu time") || l.startsWith("Max file size")).toList());
    }

    private static String connect(String socket) throws Exception {
        return exec("perl", "-MIO::Socket::UNIX", "-e", CONNECT.substring(CONNECT.indexOf("'") + 1,
                CONNECT.lastIndexOf("'")).replace("PATH", socket));
    }

    private static String exec(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes());
            process.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
