package dev.cellrunner.runner.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The confinement-relevant lines of /proc/&lt;pid&gt;/status, as the kernel reports them. */
public record ProcStatus(String state, String noNewPrivs, String seccomp, String seccompFilters, String capInh,
                         String capPrm, String capEff, String capBnd, String capAmb, String uid, String gid,
                         String groups, String nsPid) {

    public static ProcStatus read(long pid) throws IOException {
        return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
    }

    /** The process's PID in its own PID namespace: the last field of NSpid (null if the kernel shows none). */
    public String pidInItsNamespace() {
        if (nsPid == null || nsPid.isBlank()) {
            return null;
        }
        String[] pids = nsPid.trim().split("\\s+");
        return pids[pids.length - 1];
    }

    /** A zombie: it has exited and waits to be reaped; its cgroup lines no longer say where it ran. */
    public boolean exited() {
        return state != null && (state.startsWith("Z") || state.startsWith("X"));
    }

    static ProcStatus parse(List<String> lines) {
        Map<String, String> fields = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return new ProcStatus(fields.get("State"), fields.get("NoNewPrivs"), fields.get("Seccomp"), fields.get("Seccomp_filters"),
                fields.get("CapInh"), fields.get("CapPrm"), fields.get("CapEff"), fields.get("CapBnd"),
                fields.get("CapAmb"), fields.get("Uid"), fields.get("Gid"), fields.get("Groups"), fields.get("NSpid"));
    }
}
