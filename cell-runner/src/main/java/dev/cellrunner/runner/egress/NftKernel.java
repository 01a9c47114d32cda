package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.OsError;

/**
 * nftables through libnftables: short sessions inside a cell's namespace (opened and closed on the
 * calling thread), and one session for the runner's own namespace that stays open for the runner's
 * life, so that deleting a host table never makes a close wait on the kernel (see {@link Nftables}).
 */
final class NftKernel {
    private static Nftables.Session runner;

    /** What loading a script did, and the kernel's JSON listing right after (null when loading failed). */
    record Loaded(Nftables.Result applied, Nftables.Result listed) {
    }

    private NftKernel() {
    }

    /** In a fresh session of the calling thread's namespace: loads {@code script} (one transaction) and lists. */
    static Loaded load(String script, String listing) throws Nftables.Unavailable, OsError {
        try (Nftables.Session nft = Nftables.open()) {
            return load(nft, script, listing);
        }
    }

    /** Loads {@code script} and, when the kernel took it, runs {@code listing} with JSON output. */
    static Loaded load(Nftables.Session nft, String script, String listing) throws OsError {
        Nftables.Result applied = nft.run(script);
        return new Loaded(applied, applied.ok() ? nft.listJson(listing) : null);
    }

    /** In a fresh session of the calling thread's namespace: a listing with JSON output, as {@code nft -j}. */
    static Nftables.Result listJson(String listing) throws Nftables.Unavailable, OsError {
        try (Nftables.Session nft = Nftables.open()) {
            return nft.listJson(listing);
        }
    }

    /**
     * The runner's session, opened on first use by the calling thread, which must be in the runner's
     * own namespace; afterwards usable from any thread in that namespace.
     */
    static synchronized Nftables.Session runner() throws Nftables.Unavailable, OsError {
        if (runner == null) {
            runner = Nftables.open();
        }
        return runner;
    }
}
