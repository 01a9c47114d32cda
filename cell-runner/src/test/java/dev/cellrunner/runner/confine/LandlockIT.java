package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.mount.MountPlan;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** Landlock on the real kernel, observed from inside the cell and from the host. */
class LandlockIT extends CellRunnerCase {
    private Path readOnly;
    private Path readWrite;
    private Path outside;

    @BeforeEach
    void directories() throws Exception {
        readOnly = Files.createDirectory(cli.scratch().resolve("ro"));
        readWrite = Files.createDirectory(cli.scratch().resolve("rw"));
        Files.setPosixFilePermissions(readWrite, PosixFilePermissions.fromString("rwxrwxrwx")); // the cell's uid writes
        outside = Files.createDirectory(cli.scratch().resolve("outside"));
        Files.writeString(readOnly.resolve("data.txt"), "inside\n");
        Files.writeString(outside.resolve("secret.txt"), "secret\n");
    }

    @Test
    void readingOutsideTheAllowedPathsFailsAndInsideWorks() throws Exception {
        ObjectNode document = declared(CellRunnerCli.cell("/bin/cat", readOnly.resolve("data.txt").toString(),
                outside.resolve("secret.txt").toString()));
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.stdout()).as(run.toString()).isEqualTo("inside\n");
        // the undeclared directory is in the host's /tmp: the cell's /tmp is its own, so it is not even there
        assertThat(run.stderr()).contains("secret.txt: No such file or directory");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.event("confinement").get("landlock").get("enforced").asBoolean()).isTrue();
    }

    @Test
    void writingToReadOnlyFailsAndToReadWriteWorksVisiblyOnTheHost() throws Exception {
        ObjectNode document = declared(CellRunnerCli.cell("/bin/sh", "-c",
                "echo a > " + readOnly + "/new.txt; echo \"ro=$?\"; echo b > " + readWrite + "/new.txt; echo \"rw=$?\""));
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.stdout()).as(run.toString()).contains("ro=2", "rw=0");
        assertThat(readOnly.resolve("new.txt")).doesNotExist();
        assertThat(readWrite.resolve("new.txt")).hasContent("b");
    }

    @Test
    void aFileInAWritablePathIsNotExecutableUnlessListedInExec() throws Exception {
        Files.copy(Path.of("/bin/true"), readWrite.resolve("true"), StandardCopyOption.COPY_ATTRIBUTES);
        String script = readWrite + "/true; echo \"exec=$?\"";
        CellRunnerCli.Run denied = cli.run(declared(CellRunnerCli.cell("/bin/sh", "-c", script)));
        assertThat(denied.stdout()).as(denied.toString()).isEqualTo("exec=126\n");
        ObjectNode document = declared(CellRunnerCli.cell("/bin/sh", "-c", script));
        CellRunnerCli.filesystem(document).putArray("exec").add(readWrite.resolve("true").toString());
        CellRunnerCli.Run allowed = cli.run(document);
        assertThat(allowed.stdout()).as(allowed.toString()).isEqualTo("exec=0\n");
    }

    @Test
    void theTrailIsNeitherReadableNorWritableFromInside() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/sh", "-c", "");
        String id = document.get("spec").get("id").asText();
        Path trail = cli.scratch().resolve(id + ".events.jsonl");
        // declared or not, the trail shows nothing: masked by an empty read-only file, or not there at all
        String script = "echo \"read=$(cat " + trail + " 2>/dev/null | wc -c)\"; echo forged >> " + trail + "; echo \"write=$?\"";
        ((ArrayNode) document.get("spec").get("run").get("argv")).set(2, script);
        CellRunnerCli.filesystem(document).putArray("readOnly").add(cli.scratch().toString());
        CellRunnerCli.filesystem(document).putArray("exec").add("/usr/bin").add("/bin");
        CellRunnerCli.Run declared = cli.run(document);
        assertThat(declared.stdout()).as(declared.toString()).isEqualTo("read=0\nwrite=2\n");

        ((ObjectNode) document.get("spec").get("authority")).remove("filesystem");
        CellRunnerCli.Run undeclared = cli.run(document);
        assertThat(undeclared.stdout()).as(undeclared.toString()).isEqualTo("read=0\nwrite=2\n");
        assertThat(Files.readAllLines(trail)).doesNotContain("forged");
    }

    @Test
    void aWritableRuleOverTheTrailIsRefused() throws Exception {
        ObjectNode document = CellRunnerCli.cell("/bin/true");
        CellRunnerCli.filesystem(document).putArray("readWrite").add(cli.scratch().toString());
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(69);
        assertThat(run.stderr()).contains("authority.filesystem.readWrite", ".events.jsonl");
        assertThat(run.event("destroyed").get("outcome").asText()).isEqualTo("refused");
    }

    @Test
    void withoutFilesystemRulesTheHostIsReadOnlyAndTmpdirIsPrivate() throws Exception {
        String unique = "cellrunner-written-by-cell-" + java.util.UUID.randomUUID();
        Path hostFile = Path.of("/", unique);
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell("/bin/sh", "-c",
                "cat /etc/hostname > /dev/null && echo read=ok; echo x > " + hostFile + "; echo \"host=$?\"; "
                        + "echo y > \"$TMPDIR/" + unique + "\" && cat \"$TMPDIR/" + unique + "\""));
        assertThat(run.stdout()).as(run.toString()).isEqualTo("read=ok\nhost=2\ny\n");
        assertThat(hostFile).doesNotExist();
        // $TMPDIR is the cell's own /tmp, a tmpfs of its mount namespace: what it wrote there never reached the host
        assertThat(run.event("confinement").get("tempDir").asText()).isEqualTo("/tmp");
        assertThat(Path.of("/tmp", unique)).doesNotExist();
    }

    @Test
    void withTheTrailOutsideTheCellsFreshMountsTheCellKeepsItsOwnDevRunAndProc() throws Exception {
        // a directory outside the cell's fresh mounts: the trail is then a private path below the read-only host,
        // masked by the mount view; the cell's own /dev, /run and /proc must stay as readable as without
        try (CellRunnerCli beside = new CellRunnerCli(outsideFreshMounts())) {
            ObjectNode document = CellRunnerCli.cell("/bin/sh", "-c", "");
            Path trail = beside.scratch().resolve(document.get("spec").get("id").asText() + ".events.jsonl");
            ((ArrayNode) document.get("spec").get("run").get("argv")).set(2, "head -c 3 /dev/zero | wc -c; ls /run; "
                    + "echo \"trail=$(cat " + trail + " 2>/dev/null | wc -c)\"; grep -c '^NSpid:' /proc/self/status");
            CellRunnerCli.Run run = beside.run(document);
            assertThat(run.stdout()).as(run.toString()).isEqualTo("3\ncell-init\ntrail=0\n1\n");
            assertThat(run.exitCode()).isZero();
            assertThat(run.event("confinement").get("mounts").get("privatePaths").toString())
                    .as("the trail is there on the host, and masked in the cell")
                    .contains("{\"path\":\"" + trail + "\",\"seen\":\"masked\"}");
            JsonNode root = run.event("confinement").get("landlock").get("rules").get(0);
            assertThat(root.get("path").asText()).isEqualTo("/");
            assertThat(root.has("except")).as("the read-only host's rule is not carved: " + root).isFalse();
        }
    }

    /**
     * The module's target directory, or /var/lib when the checkout itself lies in one of the cell's fresh mounts
     * (a clone in /tmp): a trail there would not be carved, and the case would prove nothing.
     */
    private static Path outsideFreshMounts() throws java.io.IOException {
        Path target = Path.of("target").toRealPath();
        boolean fresh = MountPlan.FRESH.stream().anyMatch(mount -> target.startsWith(mount));
        return fresh ? Path.of("/var/lib").toRealPath() : target;
    }

    @Test
    void tcpConnectIsLimitedToDeclaredPortsAndBindIsDenied() throws Exception {
        Path perl = perl();
        String script = String.join("\n",
                "use Socket;",
                "sub attempt { my ($name, $port, $bind) = @_; socket(my $s, PF_INET, SOCK_STREAM, 0) or die $!;",
                "  my $ok = $bind ? bind($s, pack_sockaddr_in($port, inet_aton('127.0.0.1')))",
                "                 : connect($s, pack_sockaddr_in($port, inet_aton('127.0.0.1')));",
                "  print $name, '=', ($ok ? 0 : $!+0), qq(\\n); }",
                "attempt('declared', 443, 0); attempt('undeclared', 8443, 0); attempt('bind', 0, 1);");
        ObjectNode document = CellRunnerCli.cell(perl.toString(), "-e", script);
        ((ObjectNode) document.get("spec")).putObject("authority").putArray("egressRules").addObject()
                .put("host", "198.51.100.10").put("port", 443).put("protocol", "tcp");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.stdout()).as(run.toString()).isEqualTo("declared=111\nundeclared=13\nbind=13\n");
        JsonNode landlock = run.event("confinement").get("landlock");
        assertThat(landlock.get("tcpConnectPorts").toString()).isEqualTo("[443]");
    }

    @Test
    void signalsToProcessesOutsideTheCellAreDenied() throws Exception {
        Path perl = perl();
        long outside = ProcessHandle.current().pid();
        // the cell's parent is its own PID 1; a process outside has no pid in the cell's PID namespace (ESRCH)
        CellRunnerCli.Run run = cli.run(CellRunnerCli.cell(perl.toString(), "-e",
                "print 'parent=', (kill(0, getppid()) ? 0 : $!+0), ' outside=', (kill(0, " + outside
                        + ") ? 0 : $!+0), qq(\\n);"));
        assertThat(run.stdout()).as(run.toString()).isEqualTo("parent=0 outside=3\n");
    }

    @Test
    void aDeclaredRuleOnProcLetsTheCellReadItsOwnProcWhileTheRestStaysDenied() throws Exception {
        String script = "grep -c '^NSpid:' /proc/self/status; echo \"pids=$(ls /proc | grep -c '^[0-9]')\"; "
                + "ls / > /dev/null 2>&1; echo \"root=$?\"; cat " + readOnly + "/data.txt";
        ObjectNode document = declared(CellRunnerCli.cell("/bin/sh", "-c", script));
        CellRunnerCli.filesystem(document).putArray("exec").add("/usr/bin");
        CellRunnerCli.Run control = cli.run(document);
        assertThat(control.stdout()).as("without a rule on /proc the cell reads none of it: " + control)
                .isEqualTo("pids=0\nroot=2\ninside\n");

        ((ArrayNode) CellRunnerCli.filesystem(document).get("readOnly")).add("/proc");
        ((ObjectNode) document.get("spec")).put("id", document.get("spec").get("id").asText() + "-proc"); // its own trail
        CellRunnerCli.Run run = cli.run(document);
        String[] lines = run.stdout().split("\n");
        assertThat(lines).as(run.toString()).hasSize(4);
        assertThat(lines[0]).as("its own status, with the NSpid line").isEqualTo("1");
        assertThat(Integer.parseInt(lines[1].substring("pids=".length())))
                .as("only the cell's own processes: cell-init, sh, ls, grep").isBetween(2, 6);
        assertThat(lines[2]).as("what no rule grants stays denied for the workload").isEqualTo("root=2");
        assertThat(lines[3]).isEqualTo("inside");
        JsonNode landlock = run.event("confinement").get("landlock");
        assertThat(landlock.get("madeBy").asText()).isEqualTo("pid1");
        assertThat(landlock.get("enforced").asBoolean()).isTrue();
        assertThat(landlock.get("pid1").get("restricted").asBoolean()).isTrue();
        assertThat(landlock.get("probes").toString()).contains(
                "{\"expected\":\"EACCES\",\"observed\":\"EACCES\","
                        + "\"probe\":\"open(/, O_RDONLY) by PID 1 after its landlock_restrict_self\"}");
    }

    @Test
    void aDeclaredProcPathOfAProcessTheCellDoesNotHaveYetIsRefused() throws Exception {
        ObjectNode document = declared(CellRunnerCli.cell("/bin/true"));
        ((ArrayNode) CellRunnerCli.filesystem(document).get("readOnly")).add("/proc/self/status");
        CellRunnerCli.Run run = cli.run(document);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(69);
        assertThat(run.stderr()).contains("authority.filesystem.readOnly", "/proc/self/status", "declare /proc");
        assertThat(run.event("destroyed").get("outcome").asText()).isEqualTo("refused");
    }

    private ObjectNode declared(ObjectNode document) {
        ObjectNode filesystem = CellRunnerCli.filesystem(document);
        filesystem.putArray("readOnly").add(readOnly.toString());
        filesystem.putArray("readWrite").add(readWrite.toString());
        return document;
    }
}
