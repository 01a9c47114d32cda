package dev.cellrunner.runner.os;

/** Who is at the other end of a Unix socket, as the kernel recorded it at connect(2) (SO_PEERCRED). */
public record PeerCredentials(int pid, int uid, int gid) {
}
