package dev.cellrunner.spec;

import java.util.List;

/** {@code spec.authority}: everything the cell is allowed beyond an empty, loopback-only world. */
public record Authority(List<String> secretRefs, List<EgressRule> egressRules,
                        FilesystemAuthority filesystem, SyscallAuthority syscalls) {
    public static final Authority NONE = new Authority(List.of(), List.of(), null, null);

    public Authority {
        secretRefs = secretRefs == null ? List.of() : List.copyOf(secretRefs);
        egressRules = egressRules == null ? List.of() : List.copyOf(egressRules);
    }
}
