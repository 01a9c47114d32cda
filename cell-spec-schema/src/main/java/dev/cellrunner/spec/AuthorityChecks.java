package dev.cellrunner.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Rules about {@code spec.authority} that the record types cannot express: denied system calls must
 * exist (in {@link LinuxSyscalls}), filesystem paths must be absolute and free of "." and "..".
 */
final class AuthorityChecks {
    private AuthorityChecks() {
    }

    static List<SpecProblem> problems(CellDocument document) {
        List<SpecProblem> problems = new ArrayList<>();
        if (document.spec() == null) {
            return problems;
        }
        Authority authority = document.spec().authority();
        if (authority.syscalls() != null) {
            List<String> deny = authority.syscalls().deny();
            for (int i = 0; i < deny.size(); i++) {
                String name = deny.get(i);
                if (name == null || LinuxSyscalls.number(name).isEmpty()) {
                    problems.add(new SpecProblem("/spec/authority/syscalls/deny/" + i,
                            "unknown system call '" + name + "' (names as in Linux x86-64, e.g. \"ptrace\")"));
                }
            }
        }
        FilesystemAuthority filesystem = authority.filesystem();
        if (filesystem != null) {
            paths(problems, "readOnly", filesystem.readOnly());
            paths(problems, "readWrite", filesystem.readWrite());
            paths(problems, "exec", filesystem.exec());
        }
        return problems;
    }

    private static void paths(List<SpecProblem> problems, String list, List<String> paths) {
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            boolean plain = path != null && path.startsWith("/") && !path.contains("\0")
                    && List.of(path.split("/")).stream().noneMatch(part -> part.equals(".") || part.equals(".."));
            if (!plain) {
                problems.add(new SpecProblem("/spec/authority/filesystem/" + list + "/" + i,
                        "'" + path + "' is not an absolute path without . or .. segments"));
            }
        }
    }
}
