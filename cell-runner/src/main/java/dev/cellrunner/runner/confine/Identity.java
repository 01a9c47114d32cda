package dev.cellrunner.runner.confine;

/**
 * Who the workload runs as: a uid and gid allocated to the cell at start (the default), or the
 * account of {@code run.user} / {@code run.group}. Supplementary groups are always just {@code gid}.
 *
 * @param uid    null in a plan whose uid is allocated when the cell starts ({@link #withAllocatedUid})
 * @param gid    null when it is the allocated uid's number too
 * @param user   what the document said (name or number), or null
 * @param group  what the document said, or null
 * @param source where the uid comes from
 */
public record Identity(Integer uid, Integer gid, String user, String group, Source source) {
    /** Where the uid comes from, as events and {@code plan} show it. */
    public enum Source {
        ALLOCATED("allocated"), DOCUMENT("document");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** An account the document names. */
    public Identity(int uid, int gid, String user, String group) {
        this(uid, gid, user, group, Source.DOCUMENT);
    }

    /** A cell that runs as an allocated uid, with that number as gid unless {@code gid} is given. */
    public static Identity allocated(Integer gid, String group) {
        return new Identity(null, gid, null, group, Source.ALLOCATED);
    }

    /** This identity with its allocated uid (and, unless a group was named, the gid of that number). */
    public Identity withAllocatedUid(int allocated) {
        if (source != Source.ALLOCATED || uid != null) {
            throw new IllegalStateException("only a plan's allocated identity takes a uid, not " + this);
        }
        return new Identity(allocated, gid == null ? allocated : gid, user, group, source);
    }

    /** Whether the uid is known: false until an allocated identity got its uid. */
    public boolean resolved() {
        return uid != null;
    }
}
