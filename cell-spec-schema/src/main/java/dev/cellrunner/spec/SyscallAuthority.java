package dev.cellrunner.spec;

import java.util.List;

/** {@code spec.authority.syscalls}: system calls denied on top of the runner's default deny list. */
public record SyscallAuthority(List<String> deny) {
    public SyscallAuthority {
        deny = deny == null ? List.of() : List.copyOf(deny);
    }
}
