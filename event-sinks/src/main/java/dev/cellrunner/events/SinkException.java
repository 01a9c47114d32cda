package dev.cellrunner.events;

import java.io.IOException;

/** A sink could not take an event; the message names the sink and the reason. */
public class SinkException extends IOException {
    public SinkException(String message, Throwable cause) {
        super(message, cause);
    }

    public SinkException(String message) {
        super(message);
    }
}
