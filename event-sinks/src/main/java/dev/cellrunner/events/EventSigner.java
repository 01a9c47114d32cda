package dev.cellrunner.events;

import io.cloudevents.CloudEvent;

/** Seals each event of a run before any sink sees it; called in emission order. */
public interface EventSigner {
    CloudEvent sign(CloudEvent event);

    /** Signs an event that also names, as {@code runprev}, the digest of its trail's event line before it. */
    CloudEvent sign(CloudEvent event, String runPrev);

    /** The key whose public half the run's {@code started} event announces. */
    SigningKey key();
}
