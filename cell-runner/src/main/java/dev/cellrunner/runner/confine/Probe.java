package dev.cellrunner.runner.confine;

import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.QuietLibC;

import java.util.List;

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
    private static final String ONE_OF = " or ";

    /**
     * A call that may fail: its result when it succeeds, else minus its errno ({@link QuietLibC#orMinusErrno}).
     * A refusal is the answer a probe expects, so it is not thrown: a thrown errno costs two exceptions.
     */
    @FunctionalInterface
    interface Call {
        long invoke();
    }

    public boolean holds() {
        return List.of(expected.split(ONE_OF)).contains(observed);
    }

    static Probe expect(String control, String probe, int expectedErrno, Call call) {
        long result = call.invoke();
        String observed = result >= 0 ? "success" : errnoName((int) -result);
        return new Probe(control, probe, errnoName(expectedErrno), observed);
    }

    /** A call that must fail with one of {@code expectedErrnos} (several layers may answer first). */
    static Probe expectOneOf(String control, String probe, List<Integer> expectedErrnos, Call call) {
        Probe one = expect(control, probe, expectedErrnos.get(0), call);
        String expected = String.join(ONE_OF, expectedErrnos.stream().map(Probe::errnoName).toList());
        return new Probe(control, probe, expected, one.observed());
    }

    /** A read of a runner-private file must be refused (EACCES), find nothing (ENOENT) or read no byte (a mask). */
    static Probe readsNothing(String control, String file, Call readOneByte) {
        long read = readOneByte.invoke();
        String observed = read < 0 ? errnoName((int) -read) : read == 0 ? "empty" : "content";
        return new Probe(control, "read(" + file + ")", String.join(ONE_OF, List.of("EACCES", "ENOENT", "empty")),
                observed);
    }

    static String errnoName(int errno) {
        return Linux.errnoName(errno);
    }
}
