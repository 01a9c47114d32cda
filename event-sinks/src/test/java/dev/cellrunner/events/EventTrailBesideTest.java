package dev.cellrunner.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventTrailBesideTest {
    private static final SigningKey KEY = new SigningKey(TestRuns.KEY, false, null);

    @Test
    void anEventEmittedBesideKeepsItsPlaceBeforeTheNextOne() throws Exception {
        ExecutorService slow = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        TestRuns.MemorySink sink = new TestRuns.MemorySink();
        try (EventTrail trail = TestRuns.trail(KEY, "cell-a", sink)) {
            slow.execute(() -> awaitQuietly(release)); // the executor is busy: the event waits behind it
            trail.emitBeside(EventTypes.STARTED, JsonNodeFactory.instance.objectNode(), slow);
            assertThat(sink.events).as("not written yet").isEmpty();
            Thread releaser = new Thread(() -> {
                sleepQuietly(50);
                release.countDown();
            });
            releaser.start();
            trail.emit(EventTypes.DESTROYED, JsonNodeFactory.instance.objectNode());
            releaser.join();
        } finally {
            slow.shutdown();
        }
        assertThat(sink.events).extracting(CloudEvent::getType).containsExactly(EventTypes.STARTED, EventTypes.DESTROYED);
        assertThat(sink.events).extracting(event -> event.getExtension("chainseq")).containsExactly(0, 1);
        String trail = TestRuns.joined(TestRuns.lines(sink.events));
        assertThat(TestRuns.verify(trail, TestRuns.KEY.publicKey()).verdicts().get(0).status())
                .isEqualTo(RunVerdict.Status.OK);
    }

    @Test
    void whatAnEventEmittedBesideMetIsThrownByTheNextWaitAndEmit() {
        EventSink broken = new EventSink() {
            @Override
            public void append(CloudEvent event, byte[] json) throws SinkException {
                throw new SinkException("disk full");
            }

            @Override
            public void sync() {
            }

            @Override
            public String describe() {
                return "broken";
            }

            @Override
            public void close() {
            }
        };
        EventTrail trail = TestRuns.trail(KEY, "cell-a", broken);
        trail.emitBeside(EventTypes.STARTED, JsonNodeFactory.instance.objectNode(), Runnable::run);
        assertThatThrownBy(trail::awaitBeside).isInstanceOf(SinkException.class)
                .hasMessageContaining("no event sink can take events").hasMessageContaining("disk full");
        assertThatThrownBy(() -> trail.emit(EventTypes.DESTROYED, JsonNodeFactory.instance.objectNode()))
                .isInstanceOf(SinkException.class).hasMessageContaining("no event sink can take events");
        trail.close();
        assertThat(trail.failures()).hasSize(1);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
