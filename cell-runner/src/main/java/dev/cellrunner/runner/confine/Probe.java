package dev.cellrunner.runner.confine;

import com.sun.jna.LastErrorException;

import java.util.Map;

/**
 * One check, made on the launch thread after a control was applied, that the kernel now refuses
 * something it would otherwise allow: the control is observed in effect, not assumed from a return value.
 *
 * @param control  which control the probe observes (e.g. "seccomp")
 * @param probe    what was tried, e.g. "process_vm_readv(self)"
 * @param expected the errno name that shows the control holds
 * @param observed what the kernel answered ("success" or an errno name)
 */
public record Probe(String control, String probe, String expected, String observed) {
    private static final Map<Integer, String> NAMES = Map.of(1, "EPERM", 2, "ENOENT", 13, "EACCES", 14, "EFAULT",
            22, "EINVAL", 38, "ENOSYS", 111, "ECONNREFUSED", 115, "EINPROGRESS");

    /** A call that may fail with errno (thrown as {@link LastErrorException}). */
    @FunctionalInterface
    interface Call {
        long invoke() throws LastErrorException;
    }

    public boolean holds() {
        return expected.equals(observed);
    }

    static Probe expect(String control, String probe, int expectedErrno, Call call) {
        String observed;
        try {
            call.invoke();
            observed = "success";
        } catch (LastErrorException e) {
            observed = errnoName(e.getErrorCode());
        }
        return new Probe(control, probe, errnoName(expectedErrno), observed);
    }

    static String errnoName(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
