package dev.cellrunner.conformance.harness;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel features a case needs. The only reason a conformance case may skip is that the kernel lacks
 * a feature; every skip goes through here and its reason starts with {@value #SKIP_PREFIX}.
 */
public final class Kernel {
    public static final String SKIP_PREFIX = "kernel lacks ";

    private Kernel() {
    }

    public static void requireNetworkNamespaces() {
        require(Files.exists(Path.of("/proc/self/ns/net")), "network namespaces (CONFIG_NET_NS): no /proc/self/ns/net");
    }

    public static void requireIpv6() {
        require(Files.exists(Path.of("/proc/net/if_inet6")), "IPv6: no /proc/net/if_inet6");
    }

    /**
     * Landlock is active when securityfs lists it; without securityfs, when the kernel is built with it
     * and it is among the LSMs enabled at boot (lsm= on the command line, else CONFIG_LSM). When neither
     * source exists the case runs: a skip needs evidence.
     */
    public static void requireLandlock() {
        String lsm = read("/sys/kernel/security/lsm");
        if (!lsm.isBlank()) {
            require(lsm.contains("landlock"), "Landlock: not in /sys/kernel/security/lsm (" + lsm.strip() + ")");
            return;
        }
        String config = kernelConfig();
        if (config.isEmpty()) {
            return;
        }
        require(config.contains("CONFIG_SECURITY_LANDLOCK=y"), "Landlock: CONFIG_SECURITY_LANDLOCK is not set");
        String bootLsm = java.util.Arrays.stream(read("/proc/cmdline").split("\\s+"))
                .filter(arg -> arg.startsWith("lsm=")).findFirst()
                .orElse(config.lines().filter(l -> l.startsWith("CONFIG_LSM=")).findFirst().orElse(""));
        require(bootLsm.contains("landlock"), "Landlock: not enabled at boot (" + bootLsm + ")");
    }

    public static void requireSeccompFilter() {
        require(read("/proc/self/status").contains("Seccomp_filters:"), "seccomp filters: no Seccomp_filters in /proc/self/status");
    }

    public static void requireCgroup2() {
        require(Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                        || Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.controllers")),
                "cgroup v2: neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is a cgroup2 mount");
    }

    public static void requireNfTables() {
        require(read("/proc/modules").contains("nf_tables") || Files.exists(Path.of("/proc/net/netfilter"))
                        || Files.exists(Path.of("/sys/module/nf_tables")),
                "nf_tables: no nf_tables module loaded or built in");
    }

    private static void require(boolean present, String feature) {
        Assumptions.assumeTrue(present, SKIP_PREFIX + feature);
    }

    private static String kernelConfig() {
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(Path.of("/proc/config.gz")))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }
}
