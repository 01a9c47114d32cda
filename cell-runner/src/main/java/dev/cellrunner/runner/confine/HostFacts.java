package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cgroup.CgroupLayout;
import dev.cellrunner.runner.cgroup.V2Delegation;
import dev.cellrunner.runner.mount.CellInit;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the host offers that planning depends on: the landlock ABI, the runner's own files a cell must
 * never reach (the event trail, keys, state), its cgroups, where cell-init is, which optional
 * directories (/var/tmp, /var/run) are real directories here, and the host's own addresses.
 *
 * @param cgroups       the runner's own cgroups
 * @param v2Controllers controllers the runner's v2 group can hand to its children (cgroup.controllers)
 * @param cellInit      the cell-init binary on the host
 * @param hostDirs      which of {@link MountPlan#OPTIONAL_DIRS} are real directories (not links)
 * @param addresses     the addresses of the host's interfaces, each a full-length prefix: what a cell may
 *                      not reach without {@code --allow-host-egress}
 */
public record HostFacts(int landlockAbi, List<Path> privatePaths, CgroupLayout cgroups, Set<String> v2Controllers,
                        Path cellInit, Set<String> hostDirs, List<IpPrefix> addresses) {
    static final String TEMP_BASE = "cellrunner-cells";
    /** What NetworkInterface.getNetworkInterfaces() throws when it finds no interface with an address. */
    private static final String NO_INTERFACES = "No network interfaces configured";

    public HostFacts {
        privatePaths = List.copyOf(privatePaths);
        v2Controllers = Set.copyOf(v2Controllers);
        hostDirs = Set.copyOf(hostDirs);
        addresses = List.copyOf(addresses);
    }

    /** Facts of a host whose interface addresses do not matter (no egress planned against them). */
    public HostFacts(int landlockAbi, List<Path> privatePaths, CgroupLayout cgroups, Set<String> v2Controllers,
                     Path cellInit, Set<String> hostDirs) {
        this(landlockAbi, privatePaths, cgroups, v2Controllers, cellInit, hostDirs, List.of());
    }

    /** @param runnerFiles files of this runner the cell must not see (trails, key, spool, state) */
    public static HostFacts probe(List<Path> runnerFiles) throws Refusal {
        CgroupLayout cgroups;
        Set<String> v2Controllers = Set.of();
        try {
            cgroups = CgroupLayout.ofThisProcess();
            if (cgroups.v2Own().isPresent()) {
                Path cellParent = V2Delegation.cellParent(cgroups.v2Own().get());
                String text = Files.readString(cellParent.resolve("cgroup.controllers")).trim();
                v2Controllers = text.isEmpty() ? Set.of() : Set.of(text.split("\\s+"));
            }
        } catch (IOException e) {
            cgroups = new CgroupLayout(Optional.empty(), Map.of());
        }
        Set<String> dirs = new HashSet<>();
        for (String dir : MountPlan.OPTIONAL_DIRS) {
            if (Files.isDirectory(Path.of(dir), LinkOption.NOFOLLOW_LINKS)) {
                dirs.add(dir);
            }
        }
        return new HostFacts(Landlock.abi(), runnerFiles, cgroups, v2Controllers, CellInit.binary(), dirs,
                interfaceAddresses());
    }

    /**
     * {@code $java.io.tmpdir/cellrunner-cells}, where versions before the cells' own tmpfs made each
     * cell's temp dir; gc still removes what killed runners of those versions left there.
     */
    public static Path tempBaseDir() {
        return Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve(TEMP_BASE);
    }

    /**
     * The addresses of every interface of the runner's network namespace; read for every cell, since
     * interfaces come and go. (Subnet broadcasts are delivered to the host too, where its filter admits
     * nothing from a cell; they are not refused at planning, where they would be someone else's address.)
     * A namespace without an interface that has an address (a fresh one whose loopback is down) has none.
     */
    static List<IpPrefix> interfaceAddresses() throws Refusal {
        List<IpPrefix> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress address : nic.getInterfaceAddresses()) {
                    addresses.add(single(address.getAddress()));
                }
            }
        } catch (SocketException e) {
            if (NO_INTERFACES.equals(e.getMessage())) {
                return List.of(); // the JDK's way of saying that it found no interface with an address
            }
            throw new Refusal("network.egress", "cannot list the host's own addresses: " + e.getMessage());
        }
        return addresses;
    }

    private static IpPrefix single(InetAddress address) {
        // without the scope id (fe80::1%eth0), which would make equal addresses differ
        byte[] bytes = address.getAddress();
        try {
            return new IpPrefix(InetAddress.getByAddress(bytes), bytes.length * 8);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }
}
