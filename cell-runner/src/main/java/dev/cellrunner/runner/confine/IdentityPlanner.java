package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.os.Nss;

import java.util.OptionalInt;

/**
 * Who a cell runs as, decided at planning time from {@code run.user} / {@code run.group} and the
 * runner's options, with names resolved through the host's NSS once:
 * <ul>
 *   <li>neither given: a uid allocated to the cell when it starts, from the runner's range, with the gid
 *       of the same number (or the group named);</li>
 *   <li>a user: that account (a name NSS knows, or any number), with its primary group unless a group is
 *       named; a number NSS does not know runs with the group of the same number;</li>
 *   <li>root (uid 0, or gid 0) only when the runner was started with {@value #ALLOW_ROOT_OPTION};</li>
 *   <li>never a uid or gid of the allocation range: those belong to cells.</li>
 * </ul>
 */
public final class IdentityPlanner {
    public static final String ALLOW_ROOT_OPTION = "--allow-root-cells";

    private IdentityPlanner() {
    }

    /** Whether a cell whose document says {@code run.user} gets an allocated uid. */
    public static boolean allocates(String user) {
        return user == null;
    }

    public static Identity plan(String user, String group, boolean allowRootCells, UidRange range) throws Refusal {
        Integer gid = group == null ? null : groupId(group);
        if (allocates(user)) {
            check(gid, "run.group", "group " + group, allowRootCells, range);
            return Identity.allocated(gid, group);
        }
        int uid;
        int primary;
        if (isNumber(user)) {
            uid = Integer.parseInt(user);
            primary = Nss.user(uid).map(Nss.Account::gid).orElse(uid);
        } else {
            Nss.Account account = Nss.user(user)
                    .orElseThrow(() -> new Refusal("run.user", "no user '" + user + "' on this host"));
            uid = account.uid();
            primary = account.gid();
        }
        check(uid, "run.user", "user " + user, allowRootCells, range);
        int effectiveGid = gid == null ? primary : gid;
        check(effectiveGid, "run.group", gid == null ? "the primary group of user " + user : "group " + group,
                allowRootCells, range);
        return new Identity(uid, effectiveGid, user, group);
    }

    private static int groupId(String group) throws Refusal {
        if (isNumber(group)) {
            return Integer.parseInt(group);
        }
        OptionalInt gid = Nss.group(group);
        if (gid.isEmpty()) {
            throw new Refusal("run.group", "no group '" + group + "' on this host");
        }
        return gid.getAsInt();
    }

    /** Refuses root without the runner's consent, and ids of the allocation range. */
    private static void check(Integer id, String control, String what, boolean allowRootCells, UidRange range)
            throws Refusal {
        if (id == null) {
            return;
        }
        if (id == 0 && !allowRootCells) {
            throw new Refusal(control, "the document asks for root (" + what + " is " + (control.equals("run.user")
                    ? "uid" : "gid") + " 0); this runner runs root cells only when it is started with "
                    + ALLOW_ROOT_OPTION);
        }
        if (range.contains(id)) {
            throw new Refusal(control, what + " is " + id + ", in the range the runner allocates to cells (" + range
                    + "); name an account outside it");
        }
    }

    private static boolean isNumber(String text) {
        return !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(Character::isDigit)
                && Long.parseLong(text) <= Integer.MAX_VALUE;
    }

    /** The identity as plan shows it. */
    public static String describe(Identity identity, UidRange range) {
        String group = identity.group() == null ? "" : ", group " + identity.group() + " (gid " + identity.gid() + ")";
        if (identity.source() == Identity.Source.ALLOCATED) {
            return (identity.resolved() ? "uid " + identity.uid() : "a uid") + " allocated from " + range
                    + " when the cell starts (no account knows it, no other cell has it)"
                    + (identity.group() == null ? ", gid of the same number" : group);
        }
        String user = "user " + identity.user() + " (uid " + identity.uid() + ")";
        return (identity.uid() == 0 ? "root: " : "") + user + (identity.group() == null
                ? ", its primary group (gid " + identity.gid() + ")" : group)
                + (identity.uid() == 0 || identity.gid() == 0 ? ", allowed by " + ALLOW_ROOT_OPTION : "");
    }
}
