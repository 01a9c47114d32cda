package dev.cellrunner.runner.confine;

import com.sun.jna.Pointer;
import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.os.LibC;

/**
 * Resolves {@code run.user} and {@code run.group} (names or numbers) through the host's NSS, once, at
 * planning time. A user without a group runs with its primary group; a numeric user unknown to the
 * host runs with the group of the same number.
 */
public final class IdentityResolver {
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;
    private static final int GR_GID = 16;

    private IdentityResolver() {
    }

    /** Null when the document asks for no switch. */
    public static Identity resolve(String user, String group) throws Refusal {
        if (user == null && group == null) {
            return null;
        }
        Integer uid = null;
        Integer gid = null;
        if (user != null) {
            LibC libc = LibC.INSTANCE;
            Pointer entry = isNumber(user) ? libc.getpwuid(Integer.parseInt(user)) : libc.getpwnam(user);
            if (entry == null && !isNumber(user)) {
                throw new Refusal("run.user", "no user '" + user + "' on this host");
            }
            uid = entry == null ? Integer.parseInt(user) : entry.getInt(PW_UID);
            gid = entry == null ? uid : entry.getInt(PW_GID);
        }
        if (group != null) {
            if (isNumber(group)) {
                gid = Integer.parseInt(group);
            } else {
                Pointer entry = LibC.INSTANCE.getgrnam(group);
                if (entry == null) {
                    throw new Refusal("run.group", "no group '" + group + "' on this host");
                }
                gid = entry.getInt(GR_GID);
            }
        }
        return new Identity(uid, gid, user, group);
    }

    private static boolean isNumber(String text) {
        return !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(Character::isDigit)
                && Long.parseLong(text) <= Integer.MAX_VALUE;
    }
}
