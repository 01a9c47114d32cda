package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.HostTreeDir;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on what lies on the host's own tree, outside /tmp and /run (which a cell has of its own): a
 * cell sees that tree read-only, so what stops it there is its identity (a default cell's allocated
 * uid owns nothing of the host), landlock (a document's narrow filesystem) and, for a root cell, the
 * system call filter. Every file the cell attacks is first shown to be there and readable or
 * reachable where nothing stops the same probe (the host itself, or a world-readable sibling the
 * cell does read), so a failure means the attack was stopped, not that it aimed at nothing.
 */
@ContractSection("§2 confinement: identity, landlock and seccomp against the host tree a cell sees read-only")
@ExtendWith(HarnessExtension.class)
class HostTreeAttacksTest {
    private static final String ATTEMPT = "CRCONF-ATTEMPT";
    /** perl: connects to each NAME=PATH argument and prints NAME=ok:LINE or NAME=errnoN. */
    private static final String CONNECT_EACH = "perl -MIO::Socket::UNIX -e 'for (@ARGV) { my ($n, $p) = split /=/, $_, 2; "
            + "my $c = IO::Socket::UNIX->new(Peer => $p); print $n, \"=\", ($c ? \"ok:\" . scalar(<$c>) : \"errno\" . ($! + 0) . \"\\n\") }'";
    /** perl: listens on /tmp/own.sock in the cell and connects to itself: own=ok:own, or own=errnoN. */
    static final String OWN_SOCKET = "perl -MIO::Socket::UNIX -e 'my $s = IO::Socket::UNIX->new(Local => \"/tmp/own.sock\", "
            + "Listen => 1) or do { print \"own=errno\", $! + 0, \"\\n\"; exit }; if (my $pid = fork) { my $c = $s->accept; "
            + "print $c \"own\\n\"; waitpid $pid, 0 } else { my $c = IO::Socket::UNIX->new(Peer => \"/tmp/own.sock\"); "
            + "print \"own=ok:\", scalar <$c> }'";

    @Test
    @DisplayName("owner-only files on the host tree (another runner's key, a 0700 state directory, /etc/shadow): a default cell reads none, and takes no lock on them; a world-readable sibling it reads")
    void aDefaultCellReadsNoOwnerOnlyHostFile(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        try (HostTreeDir dir = HostTreeDir.create(h, "secrets")) {
            Secrets secrets = Secrets.on(dir);
            RunResult result = h.run(Spec.shell("crconf-host-secrets", secrets.script()).writable(h.cellDir()));

            assertThat(result.exitCode()).as(result.describe()).isZero();
            secrets.assertControlHeld(result);
            assertThat(result.stdoutText()).as("what the default cell got\n%s", result.describe())
                    .contains("key=1", "shadow=1", "lock=1", "state=1").doesNotContain(secrets.secret);
        }
    }

    @Test
    @DisplayName("a root cell whose document declares a narrow filesystem reads no host file outside it (landlock), /etc/shadow and another runner's key included; without that declaration it reads them as their owner (the root cell's known reach)")
    void aRootCellReadsOnlyWhatItsDocumentDeclares(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Kernel.requireLandlock();
        try (HostTreeDir dir = HostTreeDir.create(h, "root-secrets")) {
            Secrets secrets = Secrets.on(dir);
            List<String> readOnly = new ArrayList<>(Stream.of("/usr", "/bin", "/sbin", "/lib", "/lib64")
                    .filter(p -> Files.exists(Path.of(p))).toList());
            readOnly.add(secrets.publicDir.toString());
            RunResult narrow = h.call(RunnerCall.run(h.writeSpec(Spec.shell("crconf-root-narrow", secrets.script())
                    .filesystem(readOnly, List.of()).user("root"))).options("--allow-root-cells"));

            assertThat(narrow.exitCode()).as(narrow.describe()).isZero();
            secrets.assertControlHeld(narrow);
            assertThat(narrow.stdoutText()).as("what the root cell with a narrow filesystem got\n%s", narrow.describe())
                    .contains("key=1", "shadow=1", "lock=1").doesNotContain(secrets.secret);

            // the control: the same root cell on the default read-only host reads them as their owner. This is
            // what --allow-root-cells consents to (docs/confinement.md, "What a root cell still reaches")
            RunResult wide = h.call(RunnerCall.run(h.writeSpec(Spec.shell("crconf-root-wide", secrets.script())
                    .writable(h.cellDir()).user("root"))).options("--allow-root-cells"));
            assertThat(wide.exitCode()).as(wide.describe()).isZero();
            assertThat(wide.stdoutText()).as("the root cell on the whole read-only host\n%s", wide.describe())
                    .contains("key=0", "shadow=0", "lock=0", secrets.secret);
        }
    }

    /** Files the cell attacks: an owner-only key and a 0700 state directory with a lock file; a public sibling. */
    private record Secrets(Path key, Path stateDir, Path lock, Path publicDir, Path publicFile, String secret) {
        static Secrets on(HostTreeDir dir) throws Exception {
            String secret = "crconf-secret-" + UUID.randomUUID();
            Path key = dir.file("signing.key", secret + "\n", "rw-------");
            Path state = dir.subdir("state", "rwx------");
            Path lock = Files.writeString(state.resolve("slot.lock"), secret + "\n");
            Path publicDir = dir.subdir("pub", "rwxr-xr-x");
            Path publicFile = Files.writeString(publicDir.resolve("readme"), "crconf-public\n");
            assertThat(Files.readString(key)).as("the host reads the key (control)").contains(secret);
            assertThat(Files.readString(Path.of("/etc/shadow"))).as("the host reads /etc/shadow (control)").isNotEmpty();
            return new Secrets(key, state, lock, publicDir, publicFile, secret);
        }

        String script() {
            return "echo " + ATTEMPT + "; cat " + publicFile + "; ls -d " + stateDir + " >/dev/null && echo state-seen; "
                    + "test -e " + key + " && echo key-seen; cat " + key + " 2>/dev/null; echo key=$?; "
                    + "cat /etc/shadow 2>/dev/null | head -c 64; echo; cat /etc/shadow >/dev/null 2>&1; echo shadow=$?; "
                    + "ls " + stateDir + " >/dev/null 2>&1; echo state=$(( $? != 0 )); "
                    + "flock -s -n " + lock + " true 2>/dev/null; echo lock=$(( $? != 0 ))";
        }

        void assertControlHeld(RunResult result) {
            assertThat(result.stdoutText()).as("the cell ran, read the public sibling and saw the others are there\n%s",
                    result.describe()).contains(ATTEMPT, "crconf-public", "state-seen", "key-seen");
        }
    }

    @Test
    @DisplayName("pathname unix sockets on the host tree: a default cell cannot reach a root-only socket in a 0700 directory; a world-writable one it can (the control), and its own")
    void aDefaultCellReachesNoRootOnlySocket(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        try (HostTreeDir dir = HostTreeDir.create(h, "sockets"); Sockets sockets = Sockets.on(dir)) {
            RunResult result = h.run(Spec.shell("crconf-host-sockets", sockets.script()).writable(h.cellDir()));

            assertThat(result.stdoutText()).as("what the default cell reached\n%s", result.describe())
                    .contains(ATTEMPT, "private-seen", "own=ok:own", "open=ok:host-open", "root=errno13")
                    .doesNotContain("host-secret");
        }
    }

    @Test
    @DisplayName("pathname unix sockets on the host tree: a root cell gets no AF_UNIX socket (EPERM), so it reaches neither the root-only socket it owns nor any other; socketpair works")
    void aRootCellReachesNoHostSocket(Harness h) throws Exception {
        Kernel.requireNetworkNamespaces();
        Kernel.requireSeccompFilter();
        try (HostTreeDir dir = HostTreeDir.create(h, "root-sockets"); Sockets sockets = Sockets.on(dir)) {
            String script = sockets.script() + "; perl -MSocket -e 'socketpair(my $a, my $b, AF_UNIX, SOCK_STREAM, 0) "
                    + "or die $!; syswrite $a, \"pair\\n\"; sysread $b, my $l, 5; print \"pair=\", $l'";
            RunResult result = h.call(RunnerCall.run(h.writeSpec(Spec.shell("crconf-root-sockets", script)
                    .writable(h.cellDir()).user("root"))).options("--allow-root-cells"));

            assertThat(result.stdoutText()).as("what the root cell reached\n%s", result.describe())
                    .contains(ATTEMPT, "private-seen", "own=errno1", "open=errno1", "root=errno1", "pair=pair")
                    .doesNotContain("host-secret", "host-open");
        }
    }

    /** A root-only socket in a 0700 directory and a world-writable one, both answering; checked from the host. */
    private record Sockets(Path privateSocket, Path openSocket, List<Process> listeners) implements AutoCloseable {
        static Sockets on(HostTreeDir dir) throws Exception {
            Path privateDir = dir.subdir("private", "rwx------");
            Path open = dir.subdir("open", "rwxr-xr-x");
            Sockets sockets = new Sockets(privateDir.resolve("r.sock"), open.resolve("o.sock"), new ArrayList<>());
            sockets.listen(sockets.privateSocket, "0600", "host-secret");
            sockets.listen(sockets.openSocket, "0666", "host-open");
            Process control = new ProcessBuilder("sh", "-c", CONNECT_EACH + " root=" + sockets.privateSocket + " open="
                    + sockets.openSocket).redirectErrorStream(true).start();
            assertThat(control.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(control.getInputStream().readAllBytes())).as("the host reaches both sockets (control)")
                    .contains("root=ok:host-secret", "open=ok:host-open");
            return sockets;
        }

        private void listen(Path socket, String mode, String answer) throws Exception {
            Process listener = new ProcessBuilder("perl", "-MIO::Socket::UNIX", "-e",
                    "my $s = IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 5) or die $!; chmod " + mode + ", $ARGV[0]; "
                            + "$| = 1; print \"up\\n\"; while (my $c = $s->accept) { print $c \"" + answer + "\\n\"; close $c }",
                    socket.toString()).redirectErrorStream(true).start();
            listeners.add(listener);
            assertThat(new String(listener.getInputStream().readNBytes(3))).as("the listener on %s", socket).isEqualTo("up\n");
        }

        String script() {
            return "echo " + ATTEMPT + "; ls -d " + privateSocket.getParent() + " >/dev/null && echo private-seen; "
                    + OWN_SOCKET + "; " + CONNECT_EACH + " root=" + privateSocket + " open=" + openSocket;
        }

        @Override
        public void close() throws Exception {
            for (Process listener : listeners) {
                listener.destroyForcibly();
                listener.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
