package dev.cellrunner.conformance.cases;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.conformance.harness.CellHold;
import dev.cellrunner.conformance.harness.ContractSection;
import dev.cellrunner.conformance.harness.EventSchemas;
import dev.cellrunner.conformance.harness.EventType;
import dev.cellrunner.conformance.harness.Harness;
import dev.cellrunner.conformance.harness.HarnessExtension;
import dev.cellrunner.conformance.harness.Kernel;
import dev.cellrunner.conformance.harness.Proc;
import dev.cellrunner.conformance.harness.RunResult;
import dev.cellrunner.conformance.harness.RunnerCall;
import dev.cellrunner.conformance.harness.RunningRunner;
import dev.cellrunner.conformance.harness.Spec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** authority.filesystem (Landlock) and authority.syscalls (seccomp), observed from inside and from the host. */
@ContractSection("§2 confinement (filesystem, syscalls)")
@ExtendWith(HarnessExtension.class)
class ConfinementTest {
    /** System directories a shell needs to start, where they exist on this host. */
    static List<String> systemReadOnly() {
        return Stream.of("/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc").filter(p -> Files.exists(Path.of(p))).toList();
    }

    @Test
    @DisplayName("confinement data matches confinement.schema.json (landlock and seccomp, each with enforced and observedVia)")
    void confinementMatchesItsSchema(Harness h) {
        Kernel.requireNetworkNamespaces();
        RunResult result = h.run(Spec.cell("crconf-confinement-schema", "/usr/bin/true")
                .filesystem(systemReadOnly(), List.of()).deniedSyscalls("ptrace"));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        EventSchemas schemas = EventSchemas.load(h.runner().repositoryRoot());
        assertThat(schemas.dataProblems(result.trail().only(EventType.CONFINEMENT))).isEmpty();
    }

    @Test
    @DisplayName("Landlock: reads outside the allowed paths and writes outside readWrite are denied; allowed ones work")
    void landlockDeniesOutsideAllowedPaths(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireLandlock();
        Path secret = h.write("outside-secret.txt", "crconf-secret-content\n");
        Path out = h.file("out");
        Path forbidden = h.file("forbidden-write");
        try {
            // writable by the uid the runner allocates to the cell (it never chowns a declared path)
            Files.setPosixFilePermissions(Files.createDirectories(out), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        String script = "cat " + secret + " >/dev/null 2>&1 && echo READ-OUTSIDE; "
                + "echo x > " + out + "/ok && echo WROTE-ALLOWED; "
                + "echo x > " + forbidden + " 2>/dev/null && echo WROTE-OUTSIDE; "
                + "cat /etc/hostname >/dev/null && echo READ-ALLOWED; true";
        List<String> readOnly = new ArrayList<>(systemReadOnly());
        RunResult result = h.run(Spec.shell("crconf-landlock", script).filesystem(readOnly, List.of(out.toString())));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdoutText().lines().toList()).as("what the cell could do\n%s", result.describe())
                .containsExactly("WROTE-ALLOWED", "READ-ALLOWED");
        assertThat(forbidden).doesNotExist();
        JsonNode landlock = result.trail().data(EventType.CONFINEMENT).path("landlock");
        assertThat(landlock.path("enforced").asBoolean()).as("confinement.landlock.enforced").isTrue();
    }

    @Test
    @DisplayName("seccomp: with syscalls.deny the host sees a seccomp filter on the cell (Seccomp: 2) and the event lists the denied calls")
    void seccompFilterObservedFromTheHost(Harness h) {
        Kernel.requireNetworkNamespaces();
        Kernel.requireSeccompFilter();
        CellHold hold = h.hold("cell");
        RunningRunner running = h.start(RunnerCall.run(h.writeSpec(
                Spec.shell("crconf-seccomp", hold.script()).writable(h.cellDir()).deniedSyscalls("ptrace"))));

        long pid = hold.awaitPid(running);
        Map<String, String> status = Proc.status(pid);
        hold.release();
        RunResult result = running.awaitExit();

        assertThat(status.get("Seccomp")).as("Seccomp in /proc/%d/status", pid).isEqualTo("2");
        assertThat(status.get("NoNewPrivs")).as("NoNewPrivs in /proc/%d/status", pid).isEqualTo("1");
        JsonNode seccomp = result.trail().data(EventType.CONFINEMENT).path("seccomp");
        assertThat(seccomp.path("enforced").asBoolean()).as("confinement.seccomp.enforced in %s", seccomp).isTrue();
        List<String> denied = new ArrayList<>();
        seccomp.path("denied").forEach(n -> denied.add(n.path("syscall").asText()));
        assertThat(denied).contains("ptrace");
    }
}
