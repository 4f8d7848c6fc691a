package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    /** Back-to-back loops of different sizes: every index of every loop runs exactly once, inside its own loop. */
    @Test
    void everyIndexRunsOnceInItsOwnLoop() {
        try (WorkerPool pool = new WorkerPool(3)) {
            java.util.Random random = new java.util.Random(1);
            for (int round = 0; round < 20_000; round++) {
                int size = 1 + random.nextInt(300);
                int grain = 1 + random.nextInt(8);
                AtomicIntegerArray hits = new AtomicIntegerArray(size);
                pool.parallelFor(size, grain, (start, end, worker) -> {
                    if (start < 0 || end > size || start >= end) {
                        throw new IllegalStateException("range [" + start + ", " + end + ") outside [0, " + size + ")");
                    }
                    for (int i = start; i < end; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < size; i++) {
                    assertThat(hits.get(i)).as("round %d index %d of %d", round, i, size).isEqualTo(1);
                }
            }
        }
    }

    /**
     * Loops of very different sizes back to back, some small enough to run inline on the caller, on two threads:
     * a worker late from one loop must never run the next loop's task over the old loop's ranges.
     */
    @Test
    void aLateWorkerNeverMixesTwoLoops() {
        try (WorkerPool pool = new WorkerPool(2)) {
            java.util.Random random = new java.util.Random(7);
            for (int round = 0; round < 200_000; round++) {
                int size = random.nextBoolean() ? 1 + random.nextInt(3) : 64 + random.nextInt(200);
                int[] owner = new int[size];
                pool.parallelFor(size, 1 + random.nextInt(16), (start, end, worker) -> {
                    for (int i = start; i < end; i++) {
                        owner[i]++; // throws when a range does not belong to this loop
                    }
                });
            }
        }
    }

    /** Two threads running loops on one pool at once (two engines sharing a backend) each get their own loop. */
    @Test
    void concurrentCallersTakeTurns() throws Exception {
        try (WorkerPool pool = new WorkerPool(3)) {
            Runnable loops = () -> {
                for (int round = 0; round < 2_000; round++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(97);
                    pool.parallelFor(97, 3, (start, end, worker) -> {
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < 97; i++) {
                        if (hits.get(i) != 1) {
                            throw new AssertionError("index " + i + " ran " + hits.get(i) + " times");
                        }
                    }
                }
            };
            Thread other = Thread.ofPlatform().start(loops);
            loops.run();
            other.join(60_000);
            assertThat(other.isAlive()).isFalse();
        }
    }

    @Test
    void aFailingChunkFailsTheLoopAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(100, 1, (start, end, worker) -> {
                if (start <= 50 && 50 < end) {
                    throw new IllegalArgumentException("boom");
                }
            })).hasMessage("boom");
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            pool.parallelFor(10, 1, (start, end, worker) -> {
                for (int i = start; i < end; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 10; i++) {
                assertThat(hits.get(i)).isEqualTo(1);
            }
        }
    }
}
