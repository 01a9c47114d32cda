package dev.cellrunner.runner.serve;

import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.PeerCredentials;
import dev.cellrunner.runner.os.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Cells may not submit cells. A cell's processes can reach the server's socket like any process of the
 * same uid (landlock has no right that covers connecting to a named socket, a network namespace does not
 * hide a path, and a cell runs as root unless its document says otherwise), and a submitted document
 * could ask for more than the cell has. So the server asks the kernel where the peer lives: a process in
 * any cell's cgroup is refused. The peer's pidfd (SO_PEERPIDFD) pins the process while its cgroup file
 * is read, so a recycled pid cannot stand in for it.
 */
final class CellPeers {
    /** A cell's leaf, as CellRun names it: cellrunner-PID-RUNID (not the runner's own cellrunner-runner-PID). */
    private static final Pattern CELL_LEAF = Pattern.compile("cellrunner-[0-9]+-[0-9a-f-]+");

    private CellPeers() {
    }

    /** The cgroup path of the cell the peer runs in, if it runs in one. */
    static Optional<String> cellOf(UnixSocket client, PeerCredentials peer) throws IOException {
        OptionalInt pidfd = client.peerPidFd();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + peer.pid() + "/cgroup"));
            if (pidfd.isPresent() && pidOf(pidfd.getAsInt()) != peer.pid()) {
                throw new IOException("the client process " + peer.pid() + " ended while it was checked");
            }
            return lines.stream().map(CellPeers::cellIn).flatMap(Optional::stream).findFirst();
        } finally {
            pidfd.ifPresent(LibC.INSTANCE::close);
        }
    }

    /** From one line of /proc/PID/cgroup ("ID:CONTROLLERS:PATH"), the path when a component is a cell's leaf. */
    static Optional<String> cellIn(String line) {
        String[] parts = line.split(":", 3);
        if (parts.length < 3) {
            return Optional.empty();
        }
        for (String component : parts[2].split("/")) {
            if (CELL_LEAF.matcher(component).matches()) {
                return Optional.of(parts[2]);
            }
        }
        return Optional.empty();
    }

    /** The pid a pidfd refers to (-1 once the process is reaped), from /proc/self/fdinfo. */
    private static int pidOf(int pidfd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + pidfd))) {
            if (line.startsWith("Pid:")) {
                return Integer.parseInt(line.substring("Pid:".length()).trim());
            }
        }
        throw new IOException("/proc/self/fdinfo/" + pidfd + " shows no Pid line");
    }
}
