package dev.cellrunner.runner.confine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The uids (and as many gids, of the same numbers) the runner hands out to cells that name no
 * identity: by default 61184-65519, the range of systemd's DynamicUser=, which no distribution gives
 * to accounts. {@code --uid-range} or {@code CELL_RUNNER_UID_RANGE} changes it.
 */
public record UidRange(int first, int last) {
    public static final String VARIABLE = "CELL_RUNNER_UID_RANGE";
    public static final String OPTION = "--uid-range";
    public static final UidRange DEFAULT = new UidRange(61184, 65519);
    private static final Pattern TEXT = Pattern.compile("([0-9]{1,10})-([0-9]{1,10})");
    /** 65535 means "no uid" on 16-bit interfaces (and uid_t -1 to the set*id calls, beyond this bound). */
    private static final int NO_UID_16 = 65535;

    public UidRange {
        if (first < 1 || last < first) {
            throw new IllegalArgumentException("a uid range is FIRST-LAST with 1 <= FIRST <= LAST (0 is root), got "
                    + first + "-" + last);
        }
    }

    /** "61184-65519". */
    public static UidRange parse(String where, String text) {
        Matcher matcher = TEXT.matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException(where + " '" + text + "': expected FIRST-LAST, e.g. 61184-65519");
        }
        long first = Long.parseLong(matcher.group(1));
        long last = Long.parseLong(matcher.group(2));
        if (first > Integer.MAX_VALUE || last > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + " '" + text + "': uids above " + Integer.MAX_VALUE
                    + " are not handed out");
        }
        if (first <= NO_UID_16 && last >= NO_UID_16) {
            throw new IllegalArgumentException(where + " '" + text
                    + "': uid 65535 means \"no uid\" to 16-bit interfaces");
        }
        return new UidRange((int) first, (int) last);
    }

    /** The option's value, else the variable's, else the default. */
    public static UidRange of(String option, java.util.Map<String, String> env) {
        if (option != null) {
            return parse(OPTION, option);
        }
        String variable = env.get(VARIABLE);
        return variable == null || variable.isBlank() ? DEFAULT : parse(VARIABLE, variable);
    }

    public boolean contains(long uid) {
        return uid >= first && uid <= last;
    }

    public int size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
