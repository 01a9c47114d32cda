package dev.cellrunner.runner.cell;

import dev.cellrunner.spec.EgressMode;

/**
 * Who decides whether a cell's egress rules are enforced or audited: the document
 * ({@code authority.egressMode}, default enforce), overridden by the run ({@code --egress-mode} of
 * run or serve, or a submit's request), and an operator's {@code --deny-egress-audit}, which refuses
 * every cell that would end up in audit mode (exit 69).
 *
 * @param requested   the run's {@code --egress-mode}, or null to follow the document
 * @param auditDenied {@code --deny-egress-audit}
 */
public record EgressModeChoice(EgressMode requested, boolean auditDenied) {
    public static final String MODE_OPTION = "--egress-mode";
    public static final String DENY_OPTION = "--deny-egress-audit";
    /** Follow the document; audit allowed. */
    public static final EgressModeChoice DOCUMENT = new EgressModeChoice(null, false);

    /** The mode of a cell whose document says {@code documentMode} (null: not stated). */
    public EgressMode modeFor(EgressMode documentMode) {
        if (requested != null) {
            return requested;
        }
        return documentMode == null ? EgressMode.ENFORCE : documentMode;
    }

    /** As {@link #modeFor}, refusing audit mode where the operator forbade it. */
    public EgressMode decide(EgressMode documentMode) throws Refusal {
        EgressMode mode = modeFor(documentMode);
        if (mode == EgressMode.AUDIT && auditDenied) {
            throw new Refusal("authority.egressMode", "audit mode ("
                    + (requested != null ? MODE_OPTION + " audit" : "authority.egressMode \"audit\"")
                    + ") is forbidden on this runner (" + DENY_OPTION + "): its egress rules are always enforced");
        }
        return mode;
    }

    /** The same choice with the run's own request, e.g. a submit's {@code --egress-mode}. */
    public EgressModeChoice withRequested(EgressMode mode) {
        return new EgressModeChoice(mode, auditDenied);
    }
}
