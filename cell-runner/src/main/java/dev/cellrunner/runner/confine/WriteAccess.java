package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.mount.MountProgram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether a cell's identity can write a declared path, judged at planning time by the owner, group
 * and mode of the path and of every directory above it the cell sees as the host has it, as the
 * kernel judges a process without capabilities (the workload has none, root included). Directories
 * in the cell's fresh mounts (/tmp, /run, ...) are not the host's: the cell passes through those
 * leading to a declared path whatever the host's are. The runner never changes ownership to make a
 * path fit; POSIX ACLs are not read, so a path writable only through an ACL is refused.
 */
final class WriteAccess {
    private static final int READ_WRITE_EXECUTE = 7;
    private static final int WRITE = 2;
    private static final int SEARCH = 1;

    private WriteAccess() {
    }

    /** Why {@code identity} cannot write {@code real} (a path without links), or empty when it can. */
    static Optional<String> refusal(Path real, Identity identity) throws IOException {
        return refusal(real, identity, MountProgram::inFreshMount);
    }

    /** @param fresh whether the cell sees a directory of its own at a path, not the host's */
    static Optional<String> refusal(Path real, Identity identity, Predicate<Path> fresh) throws IOException {
        Path walked = real.getRoot();
        for (Path name : real) {
            Map<String, Object> directory = attributes(walked);
            if (!fresh.test(walked) && (bits(directory, identity) & SEARCH) == 0) {
                return Optional.of(walked + " (" + describe(directory) + ") cannot be searched");
            }
            walked = walked.resolve(name);
        }
        Map<String, Object> target = attributes(real);
        int needed = Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS) ? WRITE | SEARCH : WRITE;
        if ((bits(target, identity) & needed) != needed) {
            return Optional.of(real + " (" + describe(target) + ") cannot be written");
        }
        return Optional.empty();
    }

    /** The permission bits that apply to {@code identity}: owner's, else group's, else others'. */
    private static int bits(Map<String, Object> attributes, Identity identity) {
        int mode = (Integer) attributes.get("mode");
        if (identity.uid() != null && identity.uid().equals(attributes.get("uid"))) {
            return (mode >> 6) & READ_WRITE_EXECUTE;
        }
        if (identity.gid() != null && identity.gid().equals(attributes.get("gid"))) {
            return (mode >> 3) & READ_WRITE_EXECUTE;
        }
        return mode & READ_WRITE_EXECUTE;
    }

    private static Map<String, Object> attributes(Path path) throws IOException {
        return Files.readAttributes(path, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static String describe(Map<String, Object> attributes) {
        return "owner " + attributes.get("uid") + ":" + attributes.get("gid") + ", mode "
                + Integer.toOctalString((Integer) attributes.get("mode") & 07777);
    }
}
