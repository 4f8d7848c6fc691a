package ai.jllm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Applies a blocking function to many items with a bounded number in flight (virtual threads), so the engine batches
 * an evaluation's requests without its queue overflowing. Results come back in item order; the first failure is
 * rethrown once every worker has stopped.
 */
final class ParallelMap {

    private ParallelMap() {}

    static <T, R> List<R> map(List<T> items, int inFlight, Function<T, R> function, IntConsumer onDone) {
        Object[] results = new Object[items.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        RuntimeException[] failure = new RuntimeException[1];
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < Math.max(1, Math.min(inFlight, items.size())); w++) {
            workers.add(Thread.ofVirtual().start(() -> {
                for (int i = next.getAndIncrement(); i < results.length; i = next.getAndIncrement()) {
                    try {
                        results[i] = function.apply(items.get(i));
                    } catch (RuntimeException e) {
                        synchronized (failure) {
                            if (failure[0] == null) {
                                failure[0] = e;
                            }
                        }
                        next.set(results.length);
                        return;
                    }
                    onDone.accept(done.incrementAndGet());
                }
            }));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while evaluating", e);
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        List<R> list = new ArrayList<>(results.length);
        for (Object result : results) {
            @SuppressWarnings("unchecked")
            R value = (R) result;
            list.add(value);
        }
        return list;
    }
}
