package dev.cellrunner.runner.records;

import java.time.Instant;
import java.util.List;

/**
 * What the kernel's landlock audit records said the cell was refused, one entry per blocker and object:
 * a path for filesystem rights ("fs.read_file", "fs.make_reg", ...), an address and port for network
 * rights ("net.connect_tcp"), nothing more for scopes ("scope.signal").
 *
 * @param blockers the rights that were missing, as the kernel names them
 * @param path     the object of a filesystem denial, as the cell sees it; null otherwise
 * @param address  the destination of a network denial ("198.51.100.10"), null otherwise
 * @param port     its port, 0 otherwise
 */
public record LandlockDenialRecord(List<String> blockers, String path, String address, int port, long count,
                                   Instant first, Instant last) {
    public LandlockDenialRecord {
        blockers = List.copyOf(blockers);
    }

    public record Key(List<String> blockers, String path, String address, int port) {
    }

    public LandlockDenialRecord again(Instant at) {
        return new LandlockDenialRecord(blockers, path, address, port, count + 1, first, at);
    }

    /** Whether it is a TCP connect refused by landlock's port rules (an address and port, net.connect_tcp). */
    public boolean tcpConnect() {
        return address != null && blockers.contains("net.connect_tcp");
    }

    /** Whether it is about the filesystem (a path refused a right). */
    public boolean filesystem() {
        return path != null && blockers.stream().allMatch(b -> b.startsWith("fs."));
    }
}
