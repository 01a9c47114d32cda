package dev.cellrunner.runner.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

class GroupedOutputTest {
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final Semaphore floor = new Semaphore(1);

    @Test
    void outputIsHeldUntilTheCellEndsSoCellsNeverInterleave() throws Exception {
        GroupedOutput first = new GroupedOutput(stdout, stderr, floor, 1024);
        GroupedOutput second = new GroupedOutput(stdout, stderr, floor, 1024);
        write(first.stdout(), "a1 ");
        write(second.stdout(), "b1 ");
        write(first.stderr(), "a-err ");
        write(first.stdout(), "a2 ");
        write(second.stdout(), "b2 ");
        assertThat(stdout.size()).isZero();
        second.release();
        first.release();
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("b1 b2 a1 a2 ");
        assertThat(stderr.toString(StandardCharsets.UTF_8)).isEqualTo("a-err ");
    }

    @Test
    void pastTheLimitACellStreamsAndOthersWaitForItToEnd() throws Exception {
        GroupedOutput big = new GroupedOutput(stdout, stderr, floor, 4);
        GroupedOutput small = new GroupedOutput(stdout, stderr, floor, 4);
        write(big.stdout(), "ab");
        write(big.stdout(), "cdef");
        assertThat(stdout.toString(StandardCharsets.UTF_8)).as("kept, then streamed").isEqualTo("abcdef");
        write(small.stdout(), "x");
        Thread smallEnds = new Thread(() -> {
            try {
                small.release();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        smallEnds.start();
        smallEnds.join(200);
        assertThat(smallEnds.isAlive()).as("the other cell waits while the big one holds the output").isTrue();
        write(big.stdout(), "g");
        big.release();
        smallEnds.join();
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("abcdefgx");
        assertThat(floor.availablePermits()).isEqualTo(1);
    }

    private static void write(OutputStream out, String text) throws Exception {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }
}
