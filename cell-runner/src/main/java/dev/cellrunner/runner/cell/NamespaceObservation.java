package dev.cellrunner.runner.cell;

import java.util.List;

/**
 * What the kernel says about the launch thread's network namespace, read from /proc from another
 * thread: its identity next to the runner's, and the interfaces inside.
 */
record NamespaceObservation(boolean isolated, String cellNamespace, String runnerNamespace,
                            List<String> interfaces, String observedVia, String failure) {
    NamespaceObservation {
        interfaces = List.copyOf(interfaces);
    }

    static NamespaceObservation failed(String reason) {
        return new NamespaceObservation(false, null, null, List.of(), null, reason);
    }
}
