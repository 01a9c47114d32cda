package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seccomp filter on the real kernel. The probes are perl one-liners (perl-base is Essential in
 * Debian, so it is on every CI machine): perl's syscall() reaches any system call without a compiler.
 * Each prints {@code name=errno} (0 when the call succeeded).
 */
class SeccompIT extends CellRunnerCase {
    private Path perl;

    @BeforeEach
    void probeInterpreter() {
        perl = perl();
    }

    @Test
    void dangerousCallsFailInsideTheCell() throws Exception {
        String script = String.join("\n",
                "sub report { my ($name, $rc) = @_; print $name, '=', ($rc == -1 ? $!+0 : 0), qq(\\n); }",
                "report('ptrace', syscall(101, 0, 0, 0, 0));",                       // PTRACE_TRACEME
                "my ($source, $target, $type) = ('none', '/tmp', 'tmpfs');",
                "report('mount', syscall(165, $source, $target, $type, 0, 0));",
                "report('unshare', syscall(272, 0x10000000));",                     // CLONE_NEWUSER
                "my $params = qq(\\0) x 120;",
                "report('io_uring_setup', syscall(425, 4, $params));",
                "report('af_packet', socket(my $s, 17, 3, 0) ? 0 : -1);",
                "if (open(my $ns, '<', '/proc/1/ns/net')) { report('setns', syscall(308, fileno($ns), 0x40000000)); }",
                "else { print 'setns=open:', $!+0, qq(\\n); }",
                "print 'netns=', readlink('/proc/self/ns/net'), qq(\\n);");
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell(perl.toString(), "-e", script));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        String eperm = "=1\n";
        assertThat(run.stdout()).as(run.toString()).contains("ptrace" + eperm, "mount" + eperm, "unshare" + eperm,
                "io_uring_setup" + eperm, "af_packet" + eperm);
        assertThat(run.stdout()).as("setns into /proc/1/ns/net fails: EPERM from the filter, or EACCES opening "
                + "pid 1's namespace without capabilities").containsAnyOf("setns=1\n", "setns=open:13\n");
        String hostNetns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        assertThat(run.stdout()).contains("netns=net:[").doesNotContain("netns=" + hostNetns);
    }

    @Test
    void argumentRulesHoldOnTheKernelAndTheHarmlessFormsStillWork() throws Exception {
        String script = String.join("\n",
                "sub report { my ($name, $rc) = @_; print $name, '=', ($rc == -1 ? $!+0 : 0), qq(\\n); }",
                "report('vsock', socket(my $v, 40, 1, 0) ? 0 : -1);",
                "report('socketpair_vsock', syscall(53, 40, 1, 0, my $pair = qq(\\0) x 8));",
                "report('unix', socket(my $u, 1, 1, 0) ? 0 : -1);",
                "report('inet6', socket(my $i, 10, 2, 0) ? 0 : -1);",
                "my $limit = qq(\\0) x 16;",
                "report('prlimit_parent', syscall(302, getppid(), 7, 0, $limit));",
                "report('prlimit_self', syscall(302, 0, 7, 0, $limit));",
                "my $file = qq($ENV{TMPDIR}/f); open(my $fh, '>', $file) or die $!;",
                "report('setlease', syscall(72, fileno($fh), 1024, 1));",   // F_SETLEASE F_WRLCK
                "report('setuid_chmod', syscall(90, $file, 04755));",
                "report('setgid_fchmod', syscall(91, fileno($fh), 02755));",
                "report('setuid_fchmodat', syscall(268, -100, $file, 04755));",
                "report('plain_chmod', syscall(90, $file, 0755));",
                "printf qq(mode=%o\\n), (stat $file)[2] & 07777;");
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell(perl.toString(), "-e", script));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).as(run.toString()).contains("vsock=1\n", "socketpair_vsock=1\n", "unix=0\n",
                "inet6=0\n", "prlimit_parent=1\n", "prlimit_self=0\n", "setlease=1\n", "setuid_chmod=1\n",
                "setgid_fchmod=1\n", "setuid_fchmodat=1\n", "plain_chmod=0\n", "mode=755\n");
        assertThat(run.event("confinement").get("seccomp").get("argumentRules").findValuesAsText("syscall"))
                .contains("socket", "socketpair", "prlimit64", "fcntl", "chmod", "fchmod", "fchmodat", "fchmodat2");
    }

    @Test
    void documentDenialsAreAddedToTheDefaults() throws Exception {
        ObjectNode document = CellRunnerCli.cell(perl.toString(), "-e",
                "my $rc = syscall(110); print 'getppid=', ($rc == -1 ? $!+0 : 0), qq(\\n);");
        ((ObjectNode) document.get("spec")).putObject("authority").putObject("syscalls").putArray("deny")
                .add("getppid");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.stdout()).as(run.toString()).isEqualTo("getppid=1\n");
        JsonNode denied = run.event("confinement").get("seccomp").get("denied");
        assertThat(denied.findValuesAsText("syscall")).contains("getppid", "ptrace", "setns");
        assertThat(denied.findValues("enforced")).allMatch(JsonNode::asBoolean);
    }

    @Test
    void unknownSyscallNameIsASpecErrorWithItsPointer() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/true");
        ((ObjectNode) document.get("spec")).putObject("authority").putObject("syscalls").putArray("deny")
                .add("ptrace").add("no_such_call");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(65);
        assertThat(run.stderr()).contains("/spec/authority/syscalls/deny/1", "no_such_call");
    }

    @Test
    void forkStillWorksBecauseClone3AnswersEnosys() throws Exception {
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell("/bin/sh", "-c", "/bin/echo child; echo parent"));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).isEqualTo("child\nparent\n");
    }
}
