package dev.cellrunner.conformance.cases;

import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a cell once did as the host's root, each tried again with the cell running as root (the
 * runner started with --allow-root-cells), so that only the system call filter stands in the way:
 * each attack must fail with EPERM, and a control shows the same probe succeeding where nothing
 * stops it. perl's syscall() reaches each call without a compiler (perl-base is Essential in Debian).
 */
@ContractSection("§2 confinement: what a root cell cannot do to its host (seccomp argument rules)")
@ExtendWith(HarnessExtension.class)
class HostRootAttacksTest {
    private static final String REPORT = "sub report { my ($n, $rc) = @_; print $n, '=', ($rc == -1 ? $!+0 : 0), qq(\\n); } ";

    private static RunResult asRoot(Harness h, String id, String perl) {
        return h.call(RunnerCall.run(h.writeSpec(Spec.cell(id, "/usr/bin/perl", "-e", REPORT + perl)
                .writable(h.cellDir()).user("root"))).options("--allow-root-cells"));
    }

    @Test
    @DisplayName("chmod that sets setuid or setgid fails with EPERM even on a file the cell may write; plain chmod works")
    void setuidChmodIsDenied(Harness h) throws IOException {
        Kernel.requireSeccompFilter();
        Path file = Files.writeString(h.cellFile("tool"), "#!/bin/sh\n");
        RunResult result = asRoot(h, "crconf-setuid", "my $f = '" + file + "'; "
                + "report('chmod4755', syscall(90, $f, 04755)); report('fchmodat2755', syscall(268, -100, $f, 02755)); "
                + "open(my $fh, '<', $f); report('fchmod6755', syscall(91, fileno($fh), 06755)); "
                + "report('chmod0755', syscall(90, $f, 0755));");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdoutText()).as(result.describe())
                .contains("chmod4755=1\n", "fchmodat2755=1\n", "fchmod6755=1\n", "chmod0755=0\n");
        assertThat(Integer.toOctalString((Integer) Files.getAttribute(file, "unix:mode") & 07777))
                .as("the control's chmod took effect, the set-id ones did not").isEqualTo("755");
    }

    @Test
    @DisplayName("F_SETLEASE fails with EPERM inside the cell; the same lease works on the host")
    void leasesAreDenied(Harness h) throws Exception {
        Kernel.requireSeccompFilter();
        Path file = Files.writeString(h.cellFile("leased"), "x\n");
        String lease = "open(my $fh, '<', '" + file + "') or die $!; report('setlease', syscall(72, fileno($fh), 1024, 0));";
        RunResult result = asRoot(h, "crconf-lease", lease);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdoutText()).as(result.describe()).contains("setlease=1\n");

        Process control = new ProcessBuilder("/usr/bin/perl", "-e", REPORT + lease).start();
        assertThat(control.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(control.getInputStream().readAllBytes())).as("the host takes the same lease")
                .isEqualTo("setlease=0\n");
    }

    @Test
    @DisplayName("prlimit on another process fails and leaves its limits alone; the host can change them")
    void prlimitOnAnotherProcessIsDenied(Harness h) throws Exception {
        Kernel.requireSeccompFilter();
        Process target = new ProcessBuilder("sleep", "60").start();
        Process controlTarget = new ProcessBuilder("sleep", "60").start();
        try {
            String before = limits(target.pid());
            RunResult result = asRoot(h, "crconf-prlimit", "my $new = pack('QQ', 4, 4); "
                    + "report('other', syscall(302, " + target.pid() + ", 7, $new, 0)); "
                    + "my $old = qq(\\0) x 16; report('self', syscall(302, 0, 7, 0, $old));");
            assertThat(result.exitCode()).as(result.describe()).isZero();
            assertThat(result.stdoutText()).as(result.describe()).doesNotContain("other=0\n").contains("self=0\n");
            assertThat(limits(target.pid())).as("the target's RLIMIT_NOFILE").isEqualTo(before);

            Process control = new ProcessBuilder("prlimit", "--pid", Long.toString(controlTarget.pid()),
                    "--nofile=4:4").start();
            assertThat(control.waitFor(20, TimeUnit.SECONDS) && control.exitValue() == 0).isTrue();
            assertThat(limits(controlTarget.pid())).as("the host changes another process's limits").contains("4");
        } finally {
            target.destroyForcibly();
            controlTarget.destroyForcibly();
        }
    }

    @Test
    @DisplayName("sockets of families other than unix, inet, inet6 and netlink (AF_VSOCK, AF_PACKET, AF_ALG, ...) fail with EPERM")
    void unlistedSocketFamiliesAreDenied(Harness h) {
        Kernel.requireSeccompFilter();
        RunResult result = asRoot(h, "crconf-families", "for my $f (40, 17, 38, 31, 44, 2, 10, 1) { "
                + "report(qq(family$f), socket(my $s, $f, $f == 17 ? 3 : ($f == 38 ? 5 : 1), 0) ? 0 : -1); }");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        // EPERM is the filter's answer; a kernel without the family would say EAFNOSUPPORT (97)
        assertThat(result.stdoutText()).as(result.describe()).contains("family40=1\n", "family17=1\n", "family38=1\n",
                "family31=1\n", "family44=1\n");
        assertThat(result.stdoutText()).as("the listed families still work").contains("family2=0\n", "family10=0\n");
        // but not AF_UNIX for a root cell: it would own every root-only pathname socket it sees (HostTreeAttacksTest)
        assertThat(result.stdoutText()).as("AF_UNIX in a root cell").contains("family1=1\n");
    }

    @Test
    @DisplayName("a default cell meets the same rules: a set-id chmod and a lease on a file it owns, AF_VSOCK and AF_PACKET sockets fail with EPERM; plain chmod, unix, inet and inet6 sockets work")
    void aDefaultCellMeetsTheSameRules(Harness h) throws IOException {
        Kernel.requireSeccompFilter();
        Path file = h.cellFile("owned-by-the-cell");
        RunResult result = h.call(RunnerCall.run(h.writeSpec(Spec.cell("crconf-default-rules", "/usr/bin/perl", "-e", REPORT
                + "my $f = '" + file + "'; open(my $w, '>', $f) or die $!; close $w; "
                + "report('chmod4755', syscall(90, $f, 04755)); report('chmod0755', syscall(90, $f, 0755)); "
                + "open(my $fh, '<', $f) or die $!; report('setlease', syscall(72, fileno($fh), 1024, 0)); "
                + "for my $af (40, 17, 2, 10, 1) { report(qq(family$af), socket(my $s, $af, $af == 17 ? 3 : 1, 0) ? 0 : -1); }")
                .writable(h.cellDir()))));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat((Integer) Files.getAttribute(file, "unix:uid")).as("the cell owns the file it attacks").isNotZero();
        assertThat(result.stdoutText()).as(result.describe()).contains("chmod4755=1\n", "chmod0755=0\n", "setlease=1\n",
                "family40=1\n", "family17=1\n", "family2=0\n", "family10=0\n", "family1=0\n");
        assertThat(Integer.toOctalString((Integer) Files.getAttribute(file, "unix:mode") & 07777)).isEqualTo("755");
    }

    /** The RLIMIT_NOFILE line of /proc/PID/limits. */
    private static String limits(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits")).stream()
                .filter(line -> line.startsWith("Max open files")).findFirst().orElseThrow();
    }
}
