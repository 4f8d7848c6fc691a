package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    @Test
    void keepsExactlyTheConcurrencyInFlightAndReturnsTimingsInRequestOrder() {
        List<BenchRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            requests.add(BenchRequest.ofTokens(new int[] {i}, 1));
        }
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        ConcurrentLinkedQueue<Integer> progress = new ConcurrentLinkedQueue<>();
        // The first six requests wait for each other, so six are in flight together however the threads are
        // scheduled; the rest pass straight through.
        CountDownLatch firstSix = new CountDownLatch(6);
        List<RequestTiming> timings = LoadGenerator.run(requests, 6, request -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            firstSix.countDown();
            try {
                assertThat(firstSix.await(30, TimeUnit.SECONDS)).as("six requests in flight together").isTrue();
                Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            inFlight.decrementAndGet();
            int id = request.promptTokenIds().orElseThrow()[0];
            return new RequestTiming(id, new long[] {id + 1}, id + 2, id, 1, Optional.empty());
        }, progress::add);
        assertThat(peak.get()).isEqualTo(6);
        assertThat(progress).hasSize(40).contains(40);
        for (int i = 0; i < 40; i++) {
            assertThat(timings.get(i).promptTokens()).isEqualTo(i);
        }
    }
}
