package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.os.Nftables;
import dev.cellrunner.runner.os.OsError;

import java.util.HashMap;
import java.util.Map;

/**
 * nftables through libnftables. Inside a cell's namespace: one session per call, closed on the timer
 * thread. In the runner's own namespace: one session for the runner's life, never closed, because
 * closing a netfilter socket holds that namespace's nftables commit lock while the kernel finishes
 * releasing a recent deletion (about 10 ms here): a host-side close after one cell's teardown would
 * stall the next cell's host filter.
 */
final class NftKernel {
    private static final Map<String, Nftables.Session> RUNNER = new HashMap<>();

    /** What loading a script did, and the kernel's JSON listing right after (null when loading failed). */
    record Loaded(Nftables.Result applied, Nftables.Result listed) {
    }

    private NftKernel() {
    }

    /** The session of the calling thread's namespace that lives as long as the runner. */
    static Nftables.Session runner() throws Nftables.Unavailable, OsError {
        String namespace = Nftables.namespaceOfThisThread();
        synchronized (RUNNER) {
            Nftables.Session session = RUNNER.get(namespace);
            if (session == null) {
                session = Nftables.open();
                RUNNER.put(namespace, session);
            }
            return session;
        }
    }

    /** Loads {@code script} (one transaction) and, when the kernel took it, runs {@code listing} with JSON output. */
    static Loaded load(Nftables.Session nft, String script, String listing) throws OsError {
        Nftables.Result applied = nft.run(script);
        return new Loaded(applied, applied.ok() ? nft.listJson(listing) : null);
    }

    /** {@link #load} in a session of its own. */
    static Loaded loadOnce(String script, String listing) throws Nftables.Unavailable, OsError {
        Nftables.Session nft = Nftables.open();
        try {
            return load(nft, script, listing);
        } finally {
            nft.closeLater();
        }
    }

    /** A listing with JSON output, as {@code nft -j}, in a session of its own. */
    static Nftables.Result listOnce(String listing) throws Nftables.Unavailable, OsError {
        Nftables.Session nft = Nftables.open();
        try {
            return nft.listJson(listing);
        } finally {
            nft.closeLater();
        }
    }
}
