package dev.cellrunner.runner.os;

/** The child could not be started; {@code errno} is the reason posix_spawn gave (e.g. ENOENT). */
public final class SpawnException extends Exception {
    private final int errno;

    public SpawnException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
