package dev.cellrunner.runner.os;

/** The kernel refused a netlink request; the message names the request, the errno text and the kernel's words. */
public final class NetlinkError extends Exception {
    private final int errno;

    public NetlinkError(String request, int errno, String kernelMessage) {
        super(request + ": " + LibC.INSTANCE.strerror(errno) + " (errno " + errno + ")"
                + (kernelMessage == null || kernelMessage.isBlank() ? "" : ": " + kernelMessage));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
