package dev.cellrunner.runner.testing;

import dev.cellrunner.linux.Linux;
import dev.cellrunner.runner.os.NetfilterNetlink;
import dev.cellrunner.runner.os.NetlinkMessage;
import dev.cellrunner.runner.os.NetlinkReply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's audit switch for tests that need landlock's audit records: switched on while held, and
 * back to what it was when the last holder (of any test JVM on this host) lets go. The holders' PIDs are
 * kept in a lock file under {@code /run/lock}, changed only under an exclusive lock, so that suites
 * running at once never switch audit off under one another, and a holder that died is pruned.
 */
public final class KernelAudit implements AutoCloseable {
    private static final Path STATE = Path.of("/run/lock/cell-runner-test-kernel-audit");

    private KernelAudit() {
    }

    /** Switches audit on (when off) for as long as this is held. */
    public static KernelAudit hold() throws IOException {
        update(true);
        return new KernelAudit();
    }

    @Override
    public void close() throws IOException {
        update(false);
    }

    /** The kernel's audit_status.enabled now. */
    public static int enabled() throws IOException {
        try (NetfilterNetlink audit = NetfilterNetlink.open(Linux.NETLINK_AUDIT, 0, 0)) {
            int seq = audit.send(new NetlinkMessage(Linux.AUDIT_GET, NetlinkMessage.NLM_F_REQUEST), "AUDIT_GET");
            long deadline = System.nanoTime() + 2_000_000_000L;
            int[] enabled = {-1};
            while (enabled[0] < 0 && System.nanoTime() < deadline) {
                audit.drainAnswers(reply -> {
                    if (reply.sequence() == seq && reply.type() == Linux.AUDIT_GET) {
                        enabled[0] = ByteBuffer.wrap(reply.payload()).order(ByteOrder.nativeOrder()).getInt(4);
                    }
                });
                Thread.sleep(2);
            }
            if (enabled[0] < 0) {
                throw new IOException("the kernel did not answer AUDIT_GET");
            }
            return enabled[0];
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private static void set(int enabled) throws IOException {
        try (NetfilterNetlink audit = NetfilterNetlink.open(Linux.NETLINK_AUDIT, 0, 0)) {
            NetlinkMessage message = new NetlinkMessage(Linux.AUDIT_SET, NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_ACK)
                    .u32(Linux.AUDIT_STATUS_ENABLED).u32(enabled);
            for (int field = 2; field < 11; field++) {
                message.u32(0);
            }
            audit.request(message, "AUDIT_SET enabled=" + enabled);
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    /** Line 1: the switch before the first holder; then one live holder's PID a line. */
    private static void update(boolean join) throws IOException {
        try (FileChannel channel = FileChannel.open(STATE, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
            List<String> lines = new ArrayList<>(Files.readAllLines(STATE, StandardCharsets.US_ASCII));
            List<String> holders = new ArrayList<>();
            for (String pid : lines.size() > 1 ? lines.subList(1, lines.size()) : List.<String>of()) {
                if (ProcessHandle.of(Long.parseLong(pid.trim())).map(ProcessHandle::isAlive).orElse(false)) {
                    holders.add(pid.trim());
                }
            }
            String before = holders.isEmpty() ? Integer.toString(enabled()) : lines.get(0).trim();
            String me = Long.toString(ProcessHandle.current().pid());
            if (join) {
                holders.add(me);
                set(1);
            } else {
                holders.remove(me);
                if (holders.isEmpty() && "0".equals(before)) {
                    set(0);
                }
            }
            List<String> state = new ArrayList<>(List.of(before));
            state.addAll(holders);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((String.join("\n", state) + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        }
    }
}
