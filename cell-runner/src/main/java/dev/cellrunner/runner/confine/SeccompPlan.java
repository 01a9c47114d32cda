package dev.cellrunner.runner.confine;

import dev.cellrunner.spec.LinuxSyscalls;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seccomp filter one cell gets: the default policy plus {@code authority.syscalls.deny}, each
 * entry resolved to its x86-64 number. Names were checked against {@link LinuxSyscalls} when the
 * document was read, so every name here resolves.
 */
public record SeccompPlan(List<Entry> denied, List<Entry> notImplemented,
                          List<SeccompPolicy.ArgumentRule> argumentRules) {
    public static final String DEFAULT = "default";
    public static final String SPEC = "authority.syscalls.deny";

    /** One system call answered with an errno: where the entry comes from and why. */
    public record Entry(String syscall, int number, String source, String reason) {
    }

    public SeccompPlan {
        denied = List.copyOf(denied);
        notImplemented = List.copyOf(notImplemented);
        argumentRules = List.copyOf(argumentRules);
    }

    /** The filter of a cell that is not the host's root. */
    public static SeccompPlan of(List<String> specDenied) {
        return of(specDenied, false);
    }

    /** @param hostRoot the cell runs as uid 0 or gid 0: {@link SeccompPolicy#ROOT_CELL_RULES} are added */
    public static SeccompPlan of(List<String> specDenied, boolean hostRoot) {
        Map<String, Entry> denied = new LinkedHashMap<>();
        for (SeccompPolicy.Denial denial : SeccompPolicy.DENIED) {
            denied.put(denial.syscall(), entry(denial.syscall(), DEFAULT, denial.reason()));
        }
        List<Entry> notImplemented = new ArrayList<>();
        for (SeccompPolicy.Denial denial : SeccompPolicy.NOT_IMPLEMENTED) {
            notImplemented.add(entry(denial.syscall(), DEFAULT, denial.reason()));
        }
        for (String name : specDenied) {
            boolean alreadyAnswered = denied.containsKey(name)
                    || notImplemented.stream().anyMatch(e -> e.syscall().equals(name));
            if (!alreadyAnswered) {
                denied.put(name, entry(name, SPEC, "denied by the document"));
            }
        }
        List<SeccompPolicy.ArgumentRule> rules = new ArrayList<>(SeccompPolicy.ARGUMENT_RULES);
        if (hostRoot) {
            rules.addAll(SeccompPolicy.ROOT_CELL_RULES);
        }
        return new SeccompPlan(new ArrayList<>(denied.values()), notImplemented, rules);
    }

    private static Entry entry(String name, String source, String reason) {
        int number = LinuxSyscalls.number(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown system call " + name));
        return new Entry(name, number, source, reason);
    }
}
