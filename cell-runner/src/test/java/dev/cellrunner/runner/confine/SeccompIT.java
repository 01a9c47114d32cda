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
