package dev.cellrunner.runner.egress;

import dev.cellrunner.spec.EgressRule;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Names are resolved at once under one deadline. The resolver that never answers is a UDP socket this
 * test binds on loopback and never reads: each lookup sends it a query and waits for a reply that
 * never comes (never the host's resolver). The bounds are hang checks, not speed targets.
 */
class HostResolverTest {
    /** Sends a DNS-shaped query to {@code server} and blocks until an answer comes: never, here. */
    private static NameResolver askingSilently(InetSocketAddress server) {
        return name -> {
            try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                byte[] query = ("query " + name).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(query, query.length, server));
                socket.receive(new DatagramPacket(new byte[512], 512));
                return List.of();
            }
        };
    }

    private static List<EgressRule> rules(int names) {
        List<EgressRule> rules = new ArrayList<>();
        for (int i = 0; i < names; i++) {
            rules.add(new EgressRule("n" + i + ".example.org", 443, dev.cellrunner.spec.Protocol.TCP));
        }
        rules.add(new EgressRule("198.51.100.9", 443, dev.cellrunner.spec.Protocol.TCP));
        return rules;
    }

    @Test
    void namesThatNeverAnswerAreAllNamedOnceTheOneDeadlinePasses() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress server = (InetSocketAddress) silent.getLocalSocketAddress();
            long start = System.nanoTime();
            HostResolver.Unresolved unresolved = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                try {
                    // a pool of its own: the 32 threads stay blocked for the life of this JVM
                    HostResolver.resolve(rules(32), askingSilently(server), Duration.ofSeconds(2), new LookupPool(32));
                } catch (HostResolver.Unresolved e) {
                    return e;
                }
                throw new AssertionError("resolved names that never answered");
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(unresolved.names()).hasSize(32).contains("n0.example.org", "n31.example.org");
            assertThat(unresolved.getMessage()).contains("no answer within 2000 ms for n0.example.org, n1.example.org");
            assertThat(seconds).as("one deadline for all names, not one per name").isLessThan(30);
        }
    }

    @Test
    void answeredNamesAreReturnedAndNamesWithoutAddressesAreNamed() throws Exception {
        NameResolver fake = name -> name.startsWith("n0")
                ? List.of(InetAddress.getByName("198.51.100.1")) : List.of();
        assertThat(HostResolver.resolve(rules(1), fake, Duration.ofSeconds(5)))
                .containsOnlyKeys("n0.example.org");
        assertThatThrownBy(() -> HostResolver.resolve(rules(2), fake, Duration.ofSeconds(5)))
                .isInstanceOf(HostResolver.Unresolved.class).hasMessageContaining("n1.example.org does not resolve");
    }

    /** Names starting with "hang" block until {@code release}; the others answer at once. Counts what it is asked. */
    private static final class HangingResolver implements NameResolver {
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> asked = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();

        @Override
        public List<InetAddress> addresses(String name) throws java.io.IOException {
            asked.add(name);
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                if (name.startsWith("hang")) {
                    release.await();
                }
                return List.of(InetAddress.getByName("198.51.100.1"));
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            } finally {
                running.decrementAndGet();
            }
        }
    }

    private static List<EgressRule> named(String... names) {
        return java.util.Arrays.stream(names).map(n -> new EgressRule(n, 443, dev.cellrunner.spec.Protocol.TCP)).toList();
    }

    @Test
    void aHangingResolverHoldsAtMostThePoolsThreadsAndLaterCellsAreRefusedNamingTheirNames() throws Exception {
        LookupPool pool = new LookupPool(2);
        HangingResolver resolver = new HangingResolver();
        assertThatThrownBy(() -> HostResolver.resolve(named("hang1.example.org", "hang2.example.org"), resolver,
                Duration.ofMillis(200), pool)).isInstanceOf(HostResolver.Unresolved.class)
                .hasMessageContaining("no answer within 200 ms for hang1.example.org, hang2.example.org")
                .hasMessageNotContaining("never reached");

        HostResolver.Unresolved refused = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try {
                HostResolver.resolve(named("api.example.org", "cdn.example.org"), resolver, Duration.ofMillis(300), pool);
            } catch (HostResolver.Unresolved e) {
                return e;
            }
            throw new AssertionError("resolved while every lookup thread was held");
        });
        assertThat(refused.names()).containsExactly("api.example.org", "cdn.example.org");
        assertThat(refused.getMessage()).contains("no answer within 300 ms for api.example.org, cdn.example.org "
                + "(api.example.org, cdn.example.org never reached the resolver: all 2 of the runner's name lookups were busy)");
        assertThat(resolver.mostAtOnce.get()).isEqualTo(2);
        assertThat(pool.started()).isEqualTo(2);

        resolver.release.countDown(); // the resolver recovers: the threads come back, and the dropped lookups stay dropped
        assertThat(HostResolver.resolve(named("api.example.org"), resolver, Duration.ofSeconds(10), pool))
                .containsOnlyKeys("api.example.org");
        assertThat(resolver.asked).as("the lookups dropped at the deadline never reached the resolver")
                .containsExactlyInAnyOrder("hang1.example.org", "hang2.example.org", "api.example.org");
        assertThat(resolver.mostAtOnce.get()).isEqualTo(2);
    }

    @Test
    void aFullQueueRefusesAtOnceNamingTheNames() throws Exception {
        LookupPool pool = new LookupPool(1); // one running, 16 waiting
        HangingResolver resolver = new HangingResolver();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            names.add("hang" + i + ".example.org");
        }
        try {
            assertThatThrownBy(() -> HostResolver.resolve(named(names.toArray(String[]::new)), resolver,
                    Duration.ofMillis(300), pool)).isInstanceOf(HostResolver.Unresolved.class)
                    .satisfies(e -> assertThat(((HostResolver.Unresolved) e).names()).containsExactlyElementsOf(names))
                    .hasMessageContaining("hang19.example.org never reached the resolver")
                    .hasMessageNotContaining("hang0.example.org, hang1.example.org never reached")
                    .hasMessageNotContaining("does not resolve");
            assertThat(pool.started()).isEqualTo(1);
        } finally {
            resolver.release.countDown();
        }
    }

    @Test
    void theRunnersPoolIsSizedByItsEnvironment() {
        assertThat(LookupPool.threads(java.util.Map.of())).isEqualTo(LookupPool.DEFAULT_THREADS);
        assertThat(LookupPool.threads(java.util.Map.of(LookupPool.THREADS, "8"))).isEqualTo(8);
        assertThatThrownBy(() -> LookupPool.threads(java.util.Map.of(LookupPool.THREADS, "many")))
                .hasMessageContaining(LookupPool.THREADS);
    }

    @Test
    void theDeadlineIsTheCellsLifetimeAtMostTheCap() {
        assertThat(HostResolver.deadlineFor(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(HostResolver.deadlineFor(Duration.ofMinutes(10))).isEqualTo(HostResolver.CAP);
    }
}
