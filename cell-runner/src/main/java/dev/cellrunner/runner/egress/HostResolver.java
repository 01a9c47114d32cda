package dev.cellrunner.runner.egress;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressRule;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolves the exact hostnames of egress rules once, before the cell starts, all at once under one
 * overall deadline, through a {@link NameResolver}: the system resolver, or with {@code --dns-upstream}
 * the server given there (the one the cells' DNS responders ask). The answers are pinned into the
 * ruleset. A name that has no answer by the deadline, or none at all, makes {@link Unresolved} name
 * every such name; the caller refuses the cell (exit 69). Lookups run on the runner-wide
 * {@link LookupPool}, so a resolver that hangs holds at most that pool's threads however many cells
 * ask; a lookup still blocked at the deadline is left to finish there, nothing waits for it, and one
 * still queued is dropped. Wildcards are not resolved at start:
 * only the cell's responder answers names below them.
 */
public final class HostResolver {
    /** The longest a run waits for names, however long the cell may live; and what {@code plan} waits. */
    public static final Duration CAP = Duration.ofSeconds(10);

    private HostResolver() {
    }

    /** Some names had no answer in time (or none at all). */
    public static final class Unresolved extends Exception {
        private final List<String> names;

        Unresolved(List<String> names, String reason) {
            super(reason);
            this.names = List.copyOf(names);
        }

        public List<String> names() {
            return names;
        }
    }

    /** The deadline for a cell that may live {@code lifetime}: never longer than it, nor than {@link #CAP}. */
    public static Duration deadlineFor(Duration lifetime) {
        return lifetime.compareTo(CAP) < 0 ? lifetime : CAP;
    }

    /** Through the resolver {@code settings} name ({@link NameService#pinning}). */
    public static Map<String, List<InetAddress>> resolve(List<EgressRule> rules, Map<String, String> settings,
                                                         Duration deadline) throws Unresolved {
        if (names(rules).isEmpty()) {
            return Map.of(); // a bad --dns-upstream is not looked at for a cell that names no host
        }
        return resolve(rules, NameService.pinning(settings, deadline), deadline);
    }

    public static Map<String, List<InetAddress>> resolve(List<EgressRule> rules, NameResolver resolver,
                                                         Duration deadline) throws Unresolved {
        return resolve(rules, resolver, deadline, LookupPool.runner());
    }

    /** Through {@code pool}'s threads: at most its size of lookups at once, runner-wide. */
    static Map<String, List<InetAddress>> resolve(List<EgressRule> rules, NameResolver resolver, Duration deadline,
                                                  LookupPool pool) throws Unresolved {
        Map<String, LookupPool.Lookup> pending = new LinkedHashMap<>();
        for (String name : names(rules)) {
            pending.put(name, pool.lookUp(resolver, name));
        }
        long end = System.nanoTime() + deadline.toNanos();
        Map<String, List<InetAddress>> resolved = new LinkedHashMap<>();
        List<String> late = new ArrayList<>();
        List<String> unstarted = new ArrayList<>(); // late without ever reaching the resolver
        Map<String, String> unknown = new LinkedHashMap<>(); // name -> why, or "" when it has no addresses
        for (Map.Entry<String, LookupPool.Lookup> entry : pending.entrySet()) {
            String name = entry.getKey();
            CompletableFuture<List<InetAddress>> answer = entry.getValue().answer();
            try {
                List<InetAddress> addresses = answer.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (addresses.isEmpty()) {
                    unknown.put(name, "");
                } else {
                    resolved.put(name, addresses);
                }
            } catch (TimeoutException e) {
                answer.cancel(false); // a lookup still queued is dropped unasked
                late.add(name);
                if (entry.getValue().waiting()) {
                    unstarted.add(name);
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SocketTimeoutException) {
                    late.add(name); // the resolver's own clock ran out first
                } else if (e.getCause() instanceof LookupPool.Full) {
                    late.add(name);
                    unstarted.add(name);
                } else {
                    unknown.put(name, why(name, e.getCause()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer.cancel(false);
                late.add(name);
            }
        }
        if (late.isEmpty() && unknown.isEmpty()) {
            return resolved;
        }
        List<String> names = new ArrayList<>(late);
        names.addAll(unknown.keySet());
        List<String> reasons = new ArrayList<>();
        if (!late.isEmpty()) {
            reasons.add("no answer within " + deadline.toMillis() + " ms for " + String.join(", ", late)
                    + (unstarted.isEmpty() ? "" : " (" + String.join(", ", unstarted) + " never reached the resolver: "
                    + "all " + pool.threads() + " of the runner's name lookups were busy)"));
        }
        unknown.forEach((name, why) -> reasons.add(name + " does not resolve" + (why.isEmpty() ? "" : " (" + why + ")")));
        throw new Unresolved(names, "egress hostnames without addresses: " + String.join("; ", reasons));
    }

    /** A resolver's reason without the name it repeats ("x: Name or service not known"). */
    private static String why(String name, Throwable cause) {
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        return message.startsWith(name + ": ") ? message.substring(name.length() + 2)
                : message.equals(name) ? "" : message;
    }

    /** The distinct exact names of the rules, in order; literals, prefixes and wildcards are not looked up. */
    private static List<String> names(List<EgressRule> rules) {
        List<String> names = new ArrayList<>();
        for (EgressRule rule : rules) {
            EgressHost host;
            try {
                host = EgressHost.parse(rule.host());
            } catch (IllegalArgumentException e) {
                continue; // refused with the rule's index by EgressPinning
            }
            if (host instanceof EgressHost.DnsName name && !names.contains(name.name())) {
                names.add(name.name());
            }
        }
        return names;
    }
}
