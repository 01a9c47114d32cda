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
import java.util.List;
import java.util.UUID;
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
        Path victimDir = hostTreeDir(h, "victim");
        Path victim = Files.copy(Path.of("/bin/true"), victimDir.resolve("true"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            // a cell of its own allocated uid, and a root cell (which the runner runs only with its consent);
            // each creates the file it then chmods, so it owns it
            for (Spec spec : List.of(
                    Spec.shell("crconf-setuid", script(victim, h.cellFile("own-allocated"))).writable(h.cellDir()),
                    Spec.shell("crconf-setuid-root", script(victim, h.cellFile("own-root"))).writable(h.cellDir())
                            .field("/spec/run", "user", TextNode.valueOf("root")))) {
                RunResult result = h.call(RunnerCall.run(h.writeSpec(spec)).options("--allow-root-cells"));

                assertThat(result.stdoutText()).as("the cell ran and could chmod its own file\n%s", result.describe())
                        .contains(ATTEMPT, "own=700");
                assertThat(result.stdoutText()).as("what the cell's chmod of the host binary did").contains("host-chmod=1");
                assertThat(Files.getPosixFilePermissions(victim, LinkOption.NOFOLLOW_LINKS))
                        .as("the host binary's mode after the cell ran").isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
                assertThat(Files.getAttribute(victim, "unix:mode")).as("no setuid bit").matches(mode -> ((int) mode & 04000) == 0);
            }
        } finally {
            deleteTree(victimDir);
        }
    }

    private static String script(Path victim, Path own) {
        return "echo " + ATTEMPT + "; echo x > " + own + "; chmod 700 " + own + " && echo own=$(stat -c %a " + own + "); chmod 4755 " + victim
                + " 2>/dev/null; echo host-chmod=$?";
    }

    @Test
    @DisplayName("prlimit on the runner and on another host process: not there in the cell's PID namespace (and refused by seccomp); both keep their limits, and the trail is complete")
    void prlimitReachesNeitherTheRunnerNorHostProcesses(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Process sleeper = new ProcessBuilder("/bin/sleep", "60").start();
        try {
            String before = cpuLimit(sleeper.pid());
            CellHold hold = h.hold("prlimit");
            // the runner's pid is only known once it runs: the cell reads it from a file the case writes
            Path target = h.cellFile("runner.pid");
            // the control: prlimit works on the caller itself (seccomp admits pid 0 and the caller's own)
            String script = "echo " + ATTEMPT + "; prlimit --cpu=100:100 true && echo own=ok; " + hold.script()
                    + "; for p in $(cat " + target + ") " + sleeper.pid() + "; do prlimit --pid $p --cpu=1:1 2>/dev/null;"
                    + " echo \"prlimit-$p=$?\"; test -e /proc/$p && echo \"seen-$p\"; done; true";
            RunningRunner running = h.start(RunnerCall.run(h.writeSpec(Spec.shell("crconf-prlimit", script)
                    .writable(h.cellDir()))));
            hold.awaitPid(running);
            Files.writeString(target, Long.toString(running.pid()));
            String runnerBefore = cpuLimit(running.pid());
            hold.release();
            RunResult result = running.awaitExit();

            assertThat(result.stdoutText()).as("the cell ran and could set its own limit\n%s", result.describe())
                    .contains(ATTEMPT, "own=ok");
            assertThat(result.stdoutText()).as("prlimit on host pids from the cell").contains(
                    "prlimit-" + running.pid() + "=1", "prlimit-" + sleeper.pid() + "=1");
            assertThat(result.stdoutText()).as("host pids in the cell's /proc")
                    .doesNotContain("seen-" + running.pid(), "seen-" + sleeper.pid());
            assertThat(cpuLimit(sleeper.pid())).as("the host process's RLIMIT_CPU").isEqualTo(before);
            assertThat(runnerBefore).as("the runner's RLIMIT_CPU while the cell ran").doesNotContain(" 1 ");
            assertThat(result.exitCode()).as(result.describe()).isZero();
            ContractChecks.assertCompletedRun(result);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    @DisplayName("the host's /proc is not listable: the cell's /proc shows its own processes only, and PID 1 is the cell's init")
    void theCellsProcShowsOnlyItsOwnProcesses(Harness h) {
        Kernel.requireNetworkNamespaces();
        String script = "echo " + ATTEMPT + "; echo self=$$; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '; echo; "
                + "echo init=$(cat /proc/1/cmdline | tr '\\0' ' '); echo hostname=$(hostname)";
        RunResult result = h.run(Spec.shell("crconf-Proc_View", script).writable(h.cellDir()));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<String> lines = result.stdoutText().lines().toList();
        assertThat(lines).as("what the cell printed\n%s", result.describe()).contains(ATTEMPT);
        String self = lines.stream().filter(l -> l.startsWith("self=")).findFirst().orElseThrow().substring(5);
        List<String> pids = List.of(lines.get(lines.indexOf("self=" + self) + 1).trim().split("\\s+"));
        assertThat(pids).as("numeric entries of the cell's /proc (its own shell is among them)").contains(self)
                .doesNotContain(Long.toString(ProcessHandle.current().pid()));
        assertThat(pids.size()).as("the cell's processes only, not the host's %s", pids).isLessThan(10);
        assertThat(lines).as("the cell's PID 1").anyMatch(l -> l.startsWith("init=cell-init "));
        assertThat(lines).as("the cell's hostname, its id made a hostname").contains("hostname=crconf-proc-view");
        JsonNode confinement = result.trail().data(EventType.CONFINEMENT);
        assertThat(confinement.path("pid1").path("observed").path("cellPid").asText()).isEqualTo("1");
        assertThat(confinement.path("namespaces").path("enforced").asBoolean()).as("%s", confinement.path("namespaces")).isTrue();
    }

    @Test
    @DisplayName("SysV IPC: the host's root-only shared memory segment is not in the cell, and the cell's own segment is gone with it")
    void sysvSharedMemoryIsTheCellsOwn(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        String created = exec("ipcmk", "-M", "4096", "-p", "0600");
        String hostId = created.replaceAll("[^0-9]", "");
        try {
            String hostKey = keyOf(exec("ipcs", "-m"), hostId);
            String script = "echo " + ATTEMPT + "; ipcs -m | grep -c " + hostKey + "; ipcmk -M 4096 -p 0600 >/dev/null && "
                    + "ipcs -m | awk 'NR>3 && $1 ~ /^0x/ {print \"own=\" $1}'";
            RunResult result = h.run(Spec.shell("crconf-shm", script).writable(h.cellDir()));

            List<String> lines = result.stdoutText().lines().toList();
            assertThat(lines).as("the cell listed segments and made one of its own\n%s", result.describe())
                    .contains(ATTEMPT).anyMatch(l -> l.startsWith("own=0x"));
            assertThat(lines.get(lines.indexOf(ATTEMPT) + 1)).as("the host's segment %s in the cell's ipcs", hostKey)
                    .isEqualTo("0");
            String ownKey = lines.stream().filter(l -> l.startsWith("own=")).findFirst().orElseThrow().substring(4);
            assertThat(exec("ipcs", "-m")).as("the host's segments after the cell ended").doesNotContain(ownKey)
                    .contains(hostKey);
        } finally {
            exec("ipcrm", "-m", hostId);
        }
    }

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
            String cellB = "echo " + ATTEMPT + "; " + CONNECT.replace("PATH", other) + "; echo other-cell=$?; "
                    + CONNECT.replace("PATH", hostSocket.toString()) + "; echo host=$?";
            RunResult b = h.run(Spec.shell("crconf-socket-b", cellB).writable(h.cellDir()));
            hold.release();
            RunResult resultA = a.awaitExit();

            assertThat(resultA.stdoutText()).as("cell A reached its own socket (control)\n%s", resultA.describe())
                    .contains("cell-a", "a-self=ok");
            assertThat(b.stdoutText()).as("what cell B reached\n%s", b.describe()).contains(ATTEMPT, "other-cell=1", "host=1")
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
    @DisplayName("another runner's signing key, trail, state directory and lock files are not visible in a cell; the shared temp base cannot be changed")
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
            Path tempBase = Path.of(System.getProperty("java.io.tmpdir"), "cellrunner-cells");
            StringBuilder script = new StringBuilder("echo " + ATTEMPT + "; ls / >/dev/null && echo root-listed; ");
            for (Path file : files) {
                script.append("ls -d ").append(file).append(" >/dev/null 2>&1; echo \"seen=$? ").append(file).append("\"; ");
            }
            script.append("flock -s -w 1 ").append(otherTrail).append(" true 2>/dev/null; echo lock=$?; chmod 777 ")
                    .append(tempBase).append(" 2>/dev/null; echo base=$?");
            RunResult result = h.run(Spec.shell("crconf-look", script.toString()).writable(h.cellDir()));

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
        Thread swapper = new Thread(() -> {
            Path spare = h.cellDir().resolve("link.next");
            for (int n = 0; swapping.get(); n++) {
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
        } finally {
            swapping.set(false);
            swapper.join();
        }
    }

    /** A directory on the host's own tree (not in /tmp or /run, which a cell has of its own), removed afterwards. */
    private static Path hostTreeDir(Harness h, String name) throws IOException {
        return Files.createDirectories(h.runner().repositoryRoot().resolve("conformance/target")
                .resolve("crconf-" + name + "-" + UUID.randomUUID()));
    }

    private static String cpuLimit(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits")).stream()
                .filter(l -> l.startsWith("Max cpu time")).findFirst().orElse("");
    }

    private static String keyOf(String ipcs, String id) {
        for (String line : ipcs.lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 1 && fields[1].equals(id)) {
                return fields[0];
            }
        }
        throw new AssertionError("segment " + id + " not in\n" + ipcs);
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
