package dev.cellrunner.events;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The extension attributes cell-runner sets, and the CloudEvents naming rule they must obey
 * (lowercase a-z and 0-9; at most 20 characters, a limit the SDK does not check).
 */
public final class ExtensionNames {
    public static final String CELL_ID = "cellid";
    public static final String RUN_ID = "runid";
    public static final String CHAIN_SEQ = "chainseq";
    public static final String CHAIN_PREV = "chainprev";
    public static final String DSSE_MATERIAL = "dssematerial";
    /** On started and destroyed: the digest of the trail's event line before it (the run chain, §3). */
    public static final String RUN_PREV = "runprev";

    /** Signed in this order; the order is part of the signed material. */
    public static final List<String> SIGNED = List.of(CELL_ID, RUN_ID, CHAIN_SEQ, CHAIN_PREV);
    /** Signed by an event that links its run into its trail's run chain. */
    public static final List<String> SIGNED_LINKED = List.of(CELL_ID, RUN_ID, CHAIN_SEQ, CHAIN_PREV, RUN_PREV);

    private static final Pattern VALID = Pattern.compile("[a-z0-9]{1,20}");
    private static final List<String> CORE = List.of("id", "source", "specversion", "type", "datacontenttype",
            "dataschema", "subject", "time", "data", "data_base64");

    private ExtensionNames() {
    }

    public static String require(String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("extension attribute name '" + name
                    + "' is not 1 to 20 lowercase letters or digits");
        }
        if (CORE.contains(name)) {
            throw new IllegalArgumentException("'" + name + "' is a core attribute, not an extension");
        }
        return name;
    }

    static {
        SIGNED_LINKED.forEach(ExtensionNames::require);
        require(DSSE_MATERIAL);
    }
}
