package dev.cellrunner.runner.cell;

import dev.cellrunner.events.EventTrail;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.SinkException;
import dev.cellrunner.spec.CellDocument;

import java.util.function.Consumer;

/** A cell refused before anything was set up: started, the refused control, destroyed; exit 69. */
public final class RefusedCell {
    private final EventTrail trail;
    private final Consumer<String> log;

    public RefusedCell(EventTrail trail, Consumer<String> log) {
        this.trail = trail;
        this.log = log;
    }

    public int refuse(CellDocument document, String specDigest, Refusal refusal) {
        log.accept("refused: " + refusal.getMessage());
        try (trail) {
            trail.emit(EventTypes.STARTED, CellEventData.started(document, specDigest, trail.signingKey()));
            trail.emit(refusal.control().startsWith("network") ? EventTypes.NETWORK_POLICY : EventTypes.CONFINEMENT,
                    CellEventData.refused(refusal));
            trail.emit(EventTypes.DESTROYED, CellEventData.destroyed("refused", "clean", refusal.getMessage()));
            trail.sync();
            return ExitCodes.REFUSED;
        } catch (SinkException e) {
            log.accept(e.getMessage());
            return ExitCodes.SINK_FAILED;
        }
    }
}
