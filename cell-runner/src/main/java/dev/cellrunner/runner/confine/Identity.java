package dev.cellrunner.runner.confine;

/**
 * The user and group the workload runs as, from {@code run.user} / {@code run.group}.
 *
 * @param uid  null when only the group changes
 * @param user what the document said (name or number), for the event
 */
public record Identity(Integer uid, int gid, String user, String group) {
}
