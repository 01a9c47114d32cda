package dev.cellrunner.runner.cell;

import dev.cellrunner.nft.DnsPolicy;
import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.EgressRefusal;
import dev.cellrunner.nft.HostAddresses;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.confine.ConfinementPlan;
import dev.cellrunner.runner.confine.ConfinementPlanner;
import dev.cellrunner.runner.confine.HostFacts;
import dev.cellrunner.runner.dns.CellResolverFiles;
import dev.cellrunner.runner.egress.UplinkPool;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpec;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.spec.Run;
import dev.cellrunner.spec.SecretDelivery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns a valid document plus the runner's environment into a {@link CellPlan}. Pure apart from PATH lookups. */
public final class CellPlanner {
    /** PATH of a cell that does not set one. */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    /** Secrets reach the runner as environment variables with this prefix. */
    public static final String SECRET_PREFIX = "CELLOS_SECRET_";

    private CellPlanner() {
    }

    /** How long the cell may live: its ttl, or its run timeout when that is shorter. */
    public static Duration lifetime(CellSpec spec) {
        Duration lifetime = Duration.ofSeconds(spec.lifetime().ttlSeconds());
        Long timeoutMs = spec.run().timeoutMs();
        return timeoutMs != null && Duration.ofMillis(timeoutMs).compareTo(lifetime) < 0 ? Duration.ofMillis(timeoutMs) : lifetime;
    }

    /**
     * @param resolvedNames what each hostname of the egress rules resolved to, once, before start
     *                      (absent: it did not resolve, and the cell is refused)
     * @param host          what this machine can enforce and which runner files a cell must not reach
     */
    public static CellPlan plan(CellDocument document, String specDigest, Map<String, String> runnerEnv,
                                Map<String, List<InetAddress>> resolvedNames, HostFacts host) throws Refusal {
        return plan(document, specDigest, runnerEnv, resolvedNames, host, RunnerPolicy.DEFAULT);
    }

    /** @param policy what the runner's options allow beyond the document (e.g. destinations on the host) */
    public static CellPlan plan(CellDocument document, String specDigest, Map<String, String> runnerEnv,
                                Map<String, List<InetAddress>> resolvedNames, HostFacts host, RunnerPolicy policy)
            throws Refusal {
        CellSpec spec = document.spec();
        Run run = spec.run();
        Map<String, String> env = new HashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.putAll(run.env());
        SecretDelivery delivery = run.secretDelivery() == null ? SecretDelivery.ENV : run.secretDelivery();
        for (String name : spec.authority().secretRefs()) {
            String value = runnerEnv.get(SECRET_PREFIX + name);
            if (value == null) {
                throw new Refusal("authority.secretRefs",
                        "secret " + name + " is declared but " + SECRET_PREFIX + name + " is not set for the runner");
            }
            if (delivery == SecretDelivery.ENV) {
                env.put(name, value);
            }
        }
        Path workingDirectory = run.workingDirectory() == null ? Path.of("/") : Path.of(run.workingDirectory());
        Duration lifetime = lifetime(spec);
        EgressMode egressMode = policy.egressMode().decide(spec.authority().egressMode());
        List<PinnedRule> egress;
        HostAddresses hostAddresses;
        try {
            hostAddresses = new HostAddresses(host.addresses(), UplinkPool.fromEnvironment(runnerEnv).prefixes());
            egress = EgressPinning.pin(spec.authority().egressRules(), resolvedNames, hostAddresses,
                    policy.allowHostEgress());
        } catch (EgressRefusal e) {
            throw new Refusal("network.egress", e.getMessage());
        } catch (IllegalArgumentException badPool) {
            throw new Refusal("network.egress", badPool.getMessage());
        }
        Optional<Path> executable = resolveExecutable(run.argv().get(0), env.get("PATH"), workingDirectory);
        ConfinementPlan confinement = ConfinementPlanner.plan(document, executable, host, policy, egressMode);
        if (DnsPolicy.of(egress, egressMode == EgressMode.AUDIT).redirected()) {
            confinement = confinement
                    .withProvided(MountPlan.ProvidedFile.text("/etc/resolv.conf", CellResolverFiles.resolvConf()))
                    .withProvided(MountPlan.ProvidedFile.text("/etc/hosts", CellResolverFiles.hosts(CellHostname.of(spec.id()))));
        }
        Path realDirectory = realIfPresent(workingDirectory);
        if (!confinement.mounts().showsHost(realDirectory)) {
            throw new Refusal("run.workingDirectory", workingDirectory + " is in the cell's own temp space or /run, "
                    + "not the host's; declare it in authority.filesystem to give the cell the host's directory");
        }
        env.putIfAbsent("TMPDIR", confinement.tempDir().toString());
        return new CellPlan(document, specDigest, spec.id(), run.argv(), executable, env, workingDirectory,
                lifetime, spec.authority().egressRules(), egress, confinement, policy, hostAddresses, egressMode);
    }

    private static Path realIfPresent(Path path) {
        try {
            return path.toRealPath();
        } catch (java.io.IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** argv[0] with a slash is taken as is (relative to the working directory); otherwise searched in PATH. */
    static Optional<Path> resolveExecutable(String command, String path, Path workingDirectory) {
        if (command.contains("/")) {
            Path candidate = workingDirectory.resolve(command).normalize();
            return Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir).resolve(command);
            if (candidate.isAbsolute() && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
