package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.spec.Authority;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpec;
import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Lifetime;
import dev.cellrunner.spec.Protocol;
import dev.cellrunner.spec.Run;
import dev.cellrunner.spec.SecretDelivery;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CellPlannerTest {
    private static HostFacts host() throws Refusal {
        return HostFacts.probe(List.of());
    }

    private static CellDocument document(List<String> secrets, Run run, long ttlSeconds) {
        return new CellDocument(CellDocument.API_VERSION, CellDocument.KIND, new CellSpec("plan-test", null,
                new Authority(secrets, List.of(), null, null), new Lifetime(ttlSeconds), run));
    }

    private static Run run(List<String> argv, Map<String, String> env, SecretDelivery delivery, Long timeoutMs) {
        return new Run(argv, null, env, delivery, timeoutMs, null, null, null, null);
    }

    @Test
    void environmentIsMinimalPathPlusDeclaredVariablesAndSecrets() throws Refusal {
        CellPlan plan = CellPlanner.plan(document(List.of("NPM_TOKEN"),
                run(List.of("true"), Map.of("CI", "true"), null, null), 60), "sha256:x",
                Map.of("CELLOS_SECRET_NPM_TOKEN", "s3cr3t", "HOME", "/root", "CELLOS_SECRET_OTHER", "no"), Map.of(), host());

        assertThat(plan.environment()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "PATH", CellPlanner.DEFAULT_PATH, "CI", "true", "NPM_TOKEN", "s3cr3t",
                "TMPDIR", plan.confinement().tempDir().toString()));
        assertThat(plan.executable()).contains(Path.of("/usr/bin/true"));
    }

    @Test
    void secretsStayWithTheRunnerWhenDeliveryIsNone() throws Refusal {
        CellPlan plan = CellPlanner.plan(document(List.of("NPM_TOKEN"),
                run(List.of("true"), Map.of(), SecretDelivery.NONE, null), 60), "sha256:x",
                Map.of("CELLOS_SECRET_NPM_TOKEN", "s3cr3t"), Map.of(), host());

        assertThat(plan.environment()).doesNotContainKey("NPM_TOKEN");
    }

    @Test
    void aDeclaredSecretTheRunnerDoesNotHaveIsARefusalThatNamesOnlyTheVariable() {
        assertThatThrownBy(() -> CellPlanner.plan(document(List.of("DEPLOY_KEY"),
                run(List.of("true"), Map.of(), null, null), 60), "sha256:x", Map.of(), Map.of(), host()))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("CELLOS_SECRET_DEPLOY_KEY");
    }

    @Test
    void lifetimeIsTheShorterOfTtlAndTimeout() throws Refusal {
        assertThat(CellPlanner.plan(document(List.of(), run(List.of("true"), Map.of(), null, 1500L), 60),
                "d", Map.of(), Map.of(), host()).lifetime()).isEqualTo(Duration.ofMillis(1500));
        assertThat(CellPlanner.plan(document(List.of(), run(List.of("true"), Map.of(), null, 900_000L), 60),
                "d", Map.of(), Map.of(), host()).lifetime()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void executableIsLookedUpInTheCellsPathNotTheRunners() throws Refusal {
        CellPlan plan = CellPlanner.plan(document(List.of(),
                run(List.of("sh"), Map.of("PATH", "/nonexistent"), null, null), 60), "d", Map.of(), Map.of(), host());

        assertThat(plan.executable()).isEmpty();
    }

    @Test
    void aWorkingDirectoryInTheCellsOwnTempSpaceIsRefusedUnlessDeclared() throws Refusal {
        Run inTmp = new Run(List.of("true"), "/tmp", Map.of(), null, null, null, null, null, null);
        assertThatThrownBy(() -> CellPlanner.plan(document(List.of(), inTmp, 60), "sha256:x", Map.of(), Map.of(), host()))
                .isInstanceOf(Refusal.class).hasMessageContaining("run.workingDirectory")
                .hasMessageContaining("declare it in authority.filesystem");
        CellDocument declared = new CellDocument(CellDocument.API_VERSION, CellDocument.KIND, new CellSpec("plan-test", null,
                new Authority(List.of(), List.of(), new dev.cellrunner.spec.FilesystemAuthority(List.of("/tmp"), null, null),
                        null), new Lifetime(60), inTmp));
        assertThat(CellPlanner.plan(declared, "sha256:x", Map.of(), Map.of(), host()).workingDirectory())
                .isEqualTo(java.nio.file.Path.of("/tmp"));
    }

    @Test
    void egressToTheHostsOwnAddressOrTheUplinkPoolIsRefusedUnlessTheRunnerAllowsIt() throws Refusal {
        HostFacts probed = host();
        HostFacts host = new HostFacts(probed.landlockAbi(), probed.privatePaths(), probed.cgroups(),
                probed.v2Controllers(), probed.cellInit(), probed.hostDirs(),
                List.of((IpPrefix) EgressHost.parse("192.168.7.20")));
        for (String destination : List.of("192.168.7.20", "10.9.4.2", "10.9.0.0/16", "169.254.169.254")) {
            Map<String, String> env = Map.of("CELL_RUNNER_UPLINK_IPV4_POOL", "10.9.0.0/16");
            CellDocument document = egressTo(destination);
            assertThatThrownBy(() -> CellPlanner.plan(document, "d", env, Map.of(), host))
                    .isInstanceOf(Refusal.class).hasMessageContaining("network.egress")
                    .hasMessageContaining("leads to the host").hasMessageContaining("--allow-host-egress");
            CellPlan allowed = CellPlanner.plan(document, "d", env, Map.of(), host,
                    RunnerPolicy.DEFAULT.withAllowHostEgress(true));
            assertThat(allowed.egress().get(0).destinations()).containsExactly((IpPrefix) EgressHost.parse(destination));
        }
    }

    @Test
    void theRunsEgressModeOverridesTheDocumentsAndDenyingAuditRefusesEitherWay() throws Refusal {
        CellDocument silent = egressTo("198.51.100.10");
        CellDocument audited = new CellDocument(CellDocument.API_VERSION, CellDocument.KIND, new CellSpec("plan-test",
                null, new Authority(List.of(), List.of(new EgressRule("198.51.100.10", 443, Protocol.TCP)), null, null,
                EgressMode.AUDIT), new Lifetime(60), run(List.of("true"), Map.of(), null, null)));
        RunnerPolicy deny = RunnerPolicy.DEFAULT.withEgressMode(new EgressModeChoice(null, true));
        RunnerPolicy audit = RunnerPolicy.DEFAULT.withEgressMode(new EgressModeChoice(EgressMode.AUDIT, false));
        RunnerPolicy enforce = RunnerPolicy.DEFAULT.withEgressMode(new EgressModeChoice(EgressMode.ENFORCE, true));

        assertThat(CellPlanner.plan(silent, "d", Map.of(), Map.of(), host()).egressMode()).isEqualTo(EgressMode.ENFORCE);
        assertThat(CellPlanner.plan(audited, "d", Map.of(), Map.of(), host()).egressMode()).isEqualTo(EgressMode.AUDIT);
        assertThat(CellPlanner.plan(silent, "d", Map.of(), Map.of(), host(), audit).egressMode())
                .isEqualTo(EgressMode.AUDIT);
        assertThat(CellPlanner.plan(audited, "d", Map.of(), Map.of(), host(), enforce).egressMode())
                .as("an operator's enforce wins over the document's audit").isEqualTo(EgressMode.ENFORCE);
        assertThatThrownBy(() -> CellPlanner.plan(audited, "d", Map.of(), Map.of(), host(), deny))
                .isInstanceOf(Refusal.class).hasMessageContaining("authority.egressMode")
                .hasMessageContaining("--deny-egress-audit");
        assertThatThrownBy(() -> CellPlanner.plan(silent, "d", Map.of(), Map.of(), host(),
                deny.withEgressMode(deny.egressMode().withRequested(EgressMode.AUDIT))))
                .isInstanceOf(Refusal.class).hasMessageContaining("--egress-mode audit");
        CellPlan learning = CellPlanner.plan(audited, "d", Map.of(), Map.of(), host());
        if (learning.confinement().landlock().isPresent() && host().landlockAbi() >= 4) {
            assertThat(learning.confinement().landlock().get().handledNet()).as("no TCP port rules").isZero();
            assertThat(learning.confinement().landlock().get().networkAudited()).isTrue();
            assertThat(CellPlanner.plan(silent, "d", Map.of(), Map.of(), host()).confinement().landlock().get()
                    .handledNet()).isNotZero();
        }
        assertThat(learning.confinement().mounts().toString()).as("audit cells get the responder's resolv.conf")
                .contains("/etc/resolv.conf");
    }

    private static CellDocument egressTo(String destination) {
        return new CellDocument(CellDocument.API_VERSION, CellDocument.KIND, new CellSpec("plan-test", null,
                new Authority(List.of(), List.of(new EgressRule(destination, 80, Protocol.TCP)), null, null),
                new Lifetime(60), run(List.of("true"), Map.of(), null, null)));
    }
}
