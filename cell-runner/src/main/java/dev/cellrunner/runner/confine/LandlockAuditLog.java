package dev.cellrunner.runner.confine;

import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.cell.RunnerThreads;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.NetlinkReply;
import dev.cellrunner.runner.os.OsError;
import dev.cellrunner.runner.records.BoundedLog;
import dev.cellrunner.runner.records.LandlockDenialRecord;
import dev.cellrunner.runner.records.LandlockDenials;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernel's landlock audit records (Linux 6.15 and later, landlock ABI 7), read for every cell of
 * this runner from one netlink socket in the multicast group of read-only audit listeners
 * ({@code AUDIT_NLGRP_READLOG}). That group takes any number of listeners beside auditd and never takes
 * the audit pid, so several runners on one host, and the host's own auditd, all coexist. The kernel
 * writes these records only while its audit is enabled ({@code auditctl -e 1}, or auditd running): the
 * runner never switches audit on itself, a host-wide setting it does not own.
 *
 * <p>Which records are a cell's: each cell's launch thread names itself {@link #threadName} before
 * {@code landlock_restrict_self}; the kernel's domain record ({@code status=allocated}, written with
 * the domain's first denial) gives the domain's id with the runner's pid and that name, and every denial
 * record carries its domain's id. Records of other processes are dropped; a denial arriving before its
 * domain record waits for it, a few per domain at most.
 */
public final class LandlockAuditLog {
    private static final int RECEIVE_BUFFER = 4 << 20;
    private static final int PENDING_DOMAINS = 256;
    private static final int PENDING_PER_DOMAIN = 64;
    private static final long BARRIER_MILLIS = 250;
    /**
     * The kernel sends AUDIT_GET's answer from a thread of its own, tens of microseconds after the
     * request: polled this often, not every 2 ms (each cell asks once, beside its start).
     */
    private static final long ANSWER_POLL_NANOS = 100_000;
    private static final long QUIET_NANOS = 30_000_000;
    private static final String PREFIX = "cr-ll-";
    private static final ScheduledExecutorService DRAIN = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "landlock-audit-records");
        thread.setDaemon(true);
        return thread;
    });
    private static LandlockAuditLog shared;

    private final NetfilterNetlink socket;
    private final long pid = ProcessHandle.current().pid();
    /** Cells being watched, by their launch thread's id. */
    private final Map<Integer, Watch> watches = new ConcurrentHashMap<>();
    /** Domain id -> the cell's launch thread id, once its domain record came. */
    private final Map<String, Integer> domains = new ConcurrentHashMap<>();
    private final Map<String, List<LandlockAuditRecord>> pending = new LinkedHashMap<>();
    private final ScheduledFuture<?> draining;

    private LandlockAuditLog(NetfilterNetlink socket) {
        this.socket = socket;
        this.draining = DRAIN.scheduleWithFixedDelay(this::drainQuietly, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** The name a launch thread takes so that its domain's records are known as its cell's (at most 15 bytes). */
    public static String threadName(int launchTid) {
        return PREFIX + launchTid;
    }

    /**
     * Starts watching the cell whose launch thread is {@code launchTid}, before that thread restricts
     * itself; or says why this kernel cannot report its denials.
     */
    public static Watching watch(int landlockAbi, int launchTid, int limit) {
        if (landlockAbi < 7) {
            return new Watching(null, "landlock ABI " + landlockAbi + " writes no audit records (ABI 7, Linux 6.15, "
                    + "does)");
        }
        LandlockAuditLog log;
        try {
            log = shared();
        } catch (OsError e) {
            return new Watching(null, "cannot listen to the kernel's audit records: " + e.getMessage());
        }
        Watch watch = new Watch(log, launchTid, new BoundedLog<>(limit));
        log.watches.put(launchTid, watch);
        // whether the kernel writes records at all is asked beside the cell's start, not on its way: the
        // answer comes from a kernel thread made for it (about 0.4 ms here), and only the cell's end needs it
        return new Watching(watch, null, CompletableFuture.supplyAsync(log::auditOff, RunnerThreads.POOL));
    }

    /**
     * A watch, or why there is none; {@code auditOff} says, once asked, why the kernel writes no records
     * (its audit disabled when the cell started), or is empty when it does.
     */
    public record Watching(Watch watch, String reason, CompletableFuture<Optional<String>> auditOff) {
        public Watching(Watch watch, String reason) {
            this(watch, reason, CompletableFuture.completedFuture(Optional.empty()));
        }

        /** The cell's domain is made by its PID 1, host PID {@code pid}, not by the launch thread. */
        public void madeBy(long pid) {
            if (watch != null) {
                watch.maker = pid;
            }
        }

        /** What the kernel told of the cell's denials up to now, and the watch ended; call after the cell ended. */
        public LandlockDenials finish() {
            if (watch == null) {
                return LandlockDenials.notRecorded(reason);
            }
            Optional<String> off = auditOff.join();
            if (off.isPresent()) {
                watch.end();
                return LandlockDenials.notRecorded(off.get());
            }
            return watch.finish();
        }
    }

    /** One cell's denials as they come. */
    public static final class Watch {
        private final LandlockAuditLog log;
        private final int launchTid;
        private final BoundedLog<LandlockDenialRecord.Key, LandlockDenialRecord> denials;
        /** The host PID of the cell's PID 1 when that makes the domain ({@link Watching#madeBy}), else 0. */
        private volatile long maker;

        private Watch(LandlockAuditLog log, int launchTid, BoundedLog<LandlockDenialRecord.Key, LandlockDenialRecord> denials) {
            this.log = log;
            this.launchTid = launchTid;
            this.denials = denials;
        }

        private LandlockDenials finish() {
            log.barrier();
            end();
            return new LandlockDenials(true, null, denials.entries(), denials.totals());
        }

        private void end() {
            log.watches.remove(launchTid);
            log.domains.values().removeIf(tid -> tid == launchTid);
        }

        private void add(LandlockAuditRecord record, Instant at) {
            List<String> blockers = record.blockers();
            String path = record.fields().get("path");
            String address = record.fields().get("daddr");
            int port = parsePort(record.fields().get("dest"));
            denials.record(new LandlockDenialRecord.Key(blockers, path, address, port),
                    key -> new LandlockDenialRecord(blockers, path, address, port, 1, at, at), old -> old.again(at));
        }
    }

    private static synchronized LandlockAuditLog shared() throws OsError {
        if (shared == null) {
            shared = new LandlockAuditLog(NetfilterNetlink.open(Linux.NETLINK_AUDIT,
                    1 << (Linux.AUDIT_NLGRP_READLOG - 1), RECEIVE_BUFFER));
        }
        return shared;
    }

    /** Why the kernel writes no audit records now (its audit is disabled), or empty when it does. */
    private Optional<String> auditOff() {
        Optional<int[]> status = status();
        if (status.isEmpty()) {
            return Optional.of("the kernel did not answer AUDIT_GET: its audit state is unknown");
        }
        return status.get()[1] == 0 ? Optional.of("the kernel's audit is disabled (enabled=0): it writes no landlock "
                + "records; an operator enables it with auditd or auditctl -e 1") : Optional.empty();
    }

    /** struct audit_status as u32 fields (mask, enabled, failure, pid, rate_limit, backlog_limit, lost, backlog, ...). */
    private synchronized Optional<int[]> status() {
        try {
            int seq = socket.send(new NetlinkMessage(Linux.AUDIT_GET, NetlinkMessage.NLM_F_REQUEST), "AUDIT_GET");
            long deadline = System.nanoTime() + BARRIER_MILLIS * 1_000_000;
            int[][] answer = {null};
            while (answer[0] == null && System.nanoTime() < deadline) {
                socket.drainAnswers(reply -> {
                    if (reply.sequence() == seq && reply.type() == Linux.AUDIT_GET) {
                        ByteBuffer in = ByteBuffer.wrap(reply.payload()).order(ByteOrder.nativeOrder());
                        int[] fields = new int[Math.min(11, reply.payload().length / 4)];
                        for (int i = 0; i < fields.length; i++) {
                            fields[i] = in.getInt(i * 4);
                        }
                        answer[0] = fields;
                    } else {
                        handle(reply);
                    }
                });
                if (answer[0] == null) {
                    LockSupport.parkNanos(ANSWER_POLL_NANOS);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
            return Optional.ofNullable(answer[0]).filter(fields -> fields.length >= 8);
        } catch (OsError e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Every record the kernel queued before now is handed over: the audit backlog is waited for until
     * it is empty (at most {@value #BARRIER_MILLIS} ms), then the socket drained.
     */
    private void barrier() {
        long deadline = System.nanoTime() + BARRIER_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            Optional<int[]> status = status();
            if (status.isEmpty() || status.get()[7] == 0) {
                break;
            }
        }
        // kauditd takes a record off the backlog a moment before it sends it: read until it is quiet
        try {
            for (long quietSince = System.nanoTime(); System.nanoTime() < deadline
                    && System.nanoTime() - quietSince < QUIET_NANOS; Thread.sleep(2)) {
                if (drainCount() > 0) {
                    quietSince = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainQuietly();
    }

    private synchronized int drainCount() {
        try {
            return socket.drain(this::handle);
        } catch (OsError | RuntimeException e) {
            return 0;
        }
    }

    private synchronized void drainQuietly() {
        try {
            socket.drain(this::handle);
        } catch (OsError | RuntimeException e) {
            // read again at the next drain; a cell's finish reports what came
        }
    }

    private synchronized void handle(NetlinkReply reply) {
        String text = new String(reply.payload(), StandardCharsets.UTF_8).replace("\0", "").trim();
        Optional<LandlockAuditRecord> parsed = LandlockAuditRecord.parse(reply.type(), text);
        if (parsed.isEmpty()) {
            return;
        }
        LandlockAuditRecord record = parsed.get();
        Instant now = Instant.now();
        if (record.allocated()) {
            Integer tid = ownTid(record);
            if (tid != null && watches.containsKey(tid)) {
                domains.put(record.domain(), tid);
                List<LandlockAuditRecord> waiting = pending.remove(record.domain());
                if (waiting != null) {
                    waiting.forEach(denial -> watches.get(tid).add(denial, now));
                }
            } else {
                pending.remove(record.domain()); // another process's domain: its denials are none of ours
            }
            return;
        }
        if (record.type() != LandlockAuditRecord.ACCESS) {
            return;
        }
        Integer tid = domains.get(record.domain());
        Watch watch = tid == null ? null : watches.get(tid);
        if (watch != null) {
            watch.add(record, now);
        } else if (tid == null) {
            if (!pending.containsKey(record.domain()) && pending.size() >= PENDING_DOMAINS) {
                pending.remove(pending.keySet().iterator().next());
            }
            List<LandlockAuditRecord> waiting = pending.computeIfAbsent(record.domain(), d -> new ArrayList<>());
            if (waiting.size() < PENDING_PER_DOMAIN) {
                waiting.add(record);
            }
        }
    }

    /**
     * The launch thread a domain record names, when the runner that made the domain is this one: on the launch
     * thread, or by the cell's PID 1, which takes the launch thread's name while it makes the domain.
     */
    private Integer ownTid(LandlockAuditRecord record) {
        String comm = record.fields().getOrDefault("comm", "");
        if (!comm.startsWith(PREFIX)) {
            return null;
        }
        try {
            int tid = Integer.parseInt(comm.substring(PREFIX.length()));
            String maker = record.fields().get("pid"); // the thread group's id; the thread's own on some kernels
            Watch watch = watches.get(tid);
            boolean byPid1 = watch != null && watch.maker != 0 && Long.toString(watch.maker).equals(maker);
            return byPid1 || Long.toString(pid).equals(maker) || Integer.toString(tid).equals(maker) ? tid : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int parsePort(String text) {
        try {
            return text == null ? 0 : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
