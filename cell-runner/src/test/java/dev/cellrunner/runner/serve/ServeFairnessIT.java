package dev.cellrunner.runner.serve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow clients against {@code serve}: a request trickled a byte at a time is cut off at its absolute
 * deadline, and a flood of such connections from one process leaves room for another client. The
 * bounds below are hang checks, not speed targets.
 */
class ServeFairnessIT {
    private RunnerProcesses runner;
    private RunnerProcesses.Started server;
    private Path socket;
    private final List<SocketChannel> slow = new ArrayList<>();
    private final AtomicBoolean trickling = new AtomicBoolean(true);

    @BeforeEach
    void startServer() throws Exception {
        runner = new RunnerProcesses();
        socket = runner.scratch.resolve("fair").resolve("serve.sock");
        server = runner.start("fair-server", List.of(), "serve", "--socket", socket.toString(), "--events", "none",
                "--max-cells", "4", "--request-timeout-ms", "3000");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!server.stderr().contains("listening on")) {
            assertThat(server.process().isAlive()).as("server died: %s", server.stderr()).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterEach
    void stopServer() throws Exception {
        trickling.set(false);
        for (SocketChannel channel : slow) {
            channel.close();
        }
        server.process().destroy();
        server.process().waitFor(30, TimeUnit.SECONDS);
        runner.close();
    }

    /** A client that sends the header of a 1000-byte request, then one byte every 300 ms. */
    private SocketChannel trickle() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        channel.write(ByteBuffer.allocate(5).put((byte) 'R').putInt(1000).flip());
        slow.add(channel);
        return channel;
    }

    private void keepTrickling() {
        Thread thread = new Thread(() -> {
            while (trickling.get()) {
                for (SocketChannel channel : List.copyOf(slow)) {
                    try {
                        channel.write(ByteBuffer.wrap(new byte[] {' '}));
                    } catch (IOException closed) {
                        // the server cut it off
                    }
                }
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        thread.setDaemon(true);
        thread.start();
    }

    @Test
    void aTrickledRequestIsCutOffAtItsDeadlineNotKeptAliveByEachByte() throws Exception {
        SocketChannel channel = trickle();
        keepTrickling();
        long start = System.nanoTime();
        String answer = readAnswer(channel);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(answer).contains("no complete request within 3000 ms").endsWith("exit 64");
        assertThat(seconds).as("cut off at the 3 s deadline, not kept alive by each byte").isLessThan(30);
    }

    @Test
    void aFloodOfSlowConnectionsFromOneProcessLeavesRoomForAnother() throws Exception {
        for (int i = 0; i < 30; i++) {
            trickle();
        }
        keepTrickling();
        RunnerProcesses.Result submit = runner.run("fair-submit", "submit", "--socket", socket.toString(),
                runner.document("/bin/echo", "through").toString());
        assertThat(submit.exitCode()).as(submit.toString()).isZero();
        assertThat(submit.stdout()).isEqualTo("through\n");
        assertThat(server.stderr()).contains("holds 10 of the 20 connections, its most at once");
    }

    /** The runner's messages and the exit status, as "message... exit N". */
    private static String readAnswer(SocketChannel channel) throws IOException {
        StringBuilder out = new StringBuilder();
        while (true) {
            ByteBuffer header = readExactly(channel, 5);
            byte type = header.get();
            ByteBuffer payload = readExactly(channel, header.getInt());
            if (type == 'L') {
                out.append(StandardCharsets.UTF_8.decode(payload));
            } else if (type == 'X') {
                return out.toString().strip() + " exit " + payload.getInt();
            }
        }
    }

    private static ByteBuffer readExactly(SocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the server closed the connection");
            }
        }
        return buffer.flip();
    }
}
