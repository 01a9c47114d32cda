package dev.cellrunner.runner.records;

/**
 * How complete one list of records is.
 *
 * @param entries   entries in the list
 * @param events    events seen (queries, connections, denied packets), recorded or not
 * @param dropped   events left out because the list was full (or the kernel dropped their report)
 * @param truncated whether anything was left out
 * @param limit     the most entries the list holds
 */
public record Totals(long entries, long events, long dropped, boolean truncated, int limit) {
}
