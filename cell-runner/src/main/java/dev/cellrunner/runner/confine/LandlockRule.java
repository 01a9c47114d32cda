package dev.cellrunner.runner.confine;

import java.nio.file.Path;

/**
 * One path-beneath rule: {@code access} on {@code path} and everything below it.
 *
 * @param path   the real path (symbolic links resolved), which is what landlock attaches the rule to
 * @param source where the rule comes from, e.g. "authority.filesystem.readOnly" or "baseline: /dev/null"
 * @param carved  made while carving a private path out of a wider rule: one of the siblings listed then
 */
public record LandlockRule(Path path, long access, String source, boolean carved) {
    public LandlockRule(Path path, long access, String source) {
        this(path, access, source, false);
    }
}
