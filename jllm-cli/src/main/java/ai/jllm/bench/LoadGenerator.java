package ai.jllm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Runs requests with a fixed number in flight: {@code concurrency} workers (virtual threads) each take the next
 * request as soon as their previous one ends, the closed-loop load of genai-perf's and vLLM's
 * {@code --max-concurrency}.
 */
public final class LoadGenerator {

    private LoadGenerator() {}

    /**
     * @param send       sends one request and times it (must not throw: failures go into the timing)
     * @param onFinished called with the number of requests finished so far, from the workers
     * @return the timings in request order
     */
    public static List<RequestTiming> run(List<BenchRequest> requests, int concurrency,
                                          Function<BenchRequest, RequestTiming> send, IntConsumer onFinished) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        RequestTiming[] timings = new RequestTiming[requests.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(concurrency, requests.size()); w++) {
            workers.add(Thread.ofVirtual().name("bench-client-" + w).start(() -> {
                for (int i = next.getAndIncrement(); i < timings.length; i = next.getAndIncrement()) {
                    timings[i] = send.apply(requests.get(i));
                    onFinished.accept(finished.incrementAndGet());
                }
            }));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                workers.forEach(Thread::interrupt);
                throw new IllegalStateException("interrupted while waiting for the benchmark clients", e);
            }
        }
        return List.of(timings);
    }
}
