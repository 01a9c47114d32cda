package dev.cellrunner.spec;

import java.util.List;

/**
 * {@code spec.authority}: everything the cell is allowed beyond an empty, loopback-only world.
 *
 * @param egressMode as written; null when the document does not say (then the rules are enforced)
 */
public record Authority(List<String> secretRefs, List<EgressRule> egressRules,
                        FilesystemAuthority filesystem, SyscallAuthority syscalls, EgressMode egressMode) {
    public static final Authority NONE = new Authority(List.of(), List.of(), null, null);

    public Authority {
        secretRefs = secretRefs == null ? List.of() : List.copyOf(secretRefs);
        egressRules = egressRules == null ? List.of() : List.copyOf(egressRules);
    }

    /** A document that does not state an egress mode. */
    public Authority(List<String> secretRefs, List<EgressRule> egressRules, FilesystemAuthority filesystem,
                     SyscallAuthority syscalls) {
        this(secretRefs, egressRules, filesystem, syscalls, null);
    }
}
