package dev.cellrunner.spec;

import java.util.List;

/** {@code spec.authority.filesystem}: absolute paths the workload may read, write or execute. */
public record FilesystemAuthority(List<String> readOnly, List<String> readWrite, List<String> exec) {
    public FilesystemAuthority {
        readOnly = readOnly == null ? List.of() : List.copyOf(readOnly);
        readWrite = readWrite == null ? List.of() : List.copyOf(readWrite);
        exec = exec == null ? List.of() : List.copyOf(exec);
    }
}
