package dev.cellrunner.runner.confine;

/**
 * Everything the launch thread applies to one cell before its workload starts, resolved at planning
 * time. Capabilities are always emptied and no_new_privs always set, so they need no data here.
 */
public record ConfinementPlan(SeccompPlan seccomp) {
}
