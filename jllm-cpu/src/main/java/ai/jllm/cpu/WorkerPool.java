package ai.jllm.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that split one loop at a time between them: the caller publishes a job, every thread
 * (the caller included) claims chunks of the index range until none are left, and the caller returns when all chunks
 * are done. The ops call it a few dozen times per layer, so it hands work over without allocating or locking.
 */
final class WorkerPool implements AutoCloseable {

    /** The body of a parallel loop over [start, end); {@code worker} in [0, threads) indexes per-thread scratch. */
    @FunctionalInterface
    interface RangeTask {
        void run(int start, int end, int worker);
    }

    private final Thread[] workers;
    private final int threads;
    // (job number << 32) | next chunk: a thread still finishing an old job cannot claim a chunk of the new one.
    private final AtomicLong claim = new AtomicLong();
    private final AtomicInteger pendingChunks = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    // The current job; written before `generation` is bumped, read after it is seen.
    private RangeTask task;
    private int size;
    private int grain;
    private int chunks;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("jllm-cpu-" + worker).start(() -> workLoop(worker));
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over [0, size) in chunks of at least {@code grain} indices, on all threads, and returns when
     * every chunk is done. Callers on different threads (two engines sharing a backend) take turns: one loop runs at
     * a time. A task must not start a loop of its own.
     */
    synchronized void parallelFor(int size, int grain, RangeTask task) {
        if (size <= 0) {
            return;
        }
        int chunkCount = Math.min(threads * 4, Math.max(1, size / Math.max(1, grain)));
        if (threads == 1 || chunkCount == 1) {
            task.run(0, size, 0);
            return;
        }
        long job = generation + 1;
        // Close the claim word to every job before touching the job's fields: a worker still inside an old job's
        // loop must never pair the old job's claim with the new job's task and sizes.
        claim.set((job << 32) | Integer.MAX_VALUE);
        this.task = task;
        this.size = size;
        this.chunks = chunkCount;
        this.grain = (size + chunkCount - 1) / chunkCount;
        this.caller = Thread.currentThread();
        failure.set(null);
        pendingChunks.set(chunkCount);
        claim.set(job << 32);
        generation = job;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        runChunks(job, 0);
        int spins = 0;
        while (pendingChunks.get() > 0) {
            if (++spins < 2_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        this.task = null;
        Throwable thrown = failure.get();
        if (thrown != null) {
            if (thrown instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(thrown);
        }
    }

    private void runChunks(long job, int worker) {
        RangeTask current = task;
        while (true) {
            long claimed = claim.get();
            int chunk = (int) claimed;
            if (claimed >>> 32 != job || chunk >= chunks) {
                return;
            }
            if (!claim.compareAndSet(claimed, claimed + 1)) {
                continue;
            }
            int start = chunk * grain;
            int end = Math.min(size, start + grain);
            try {
                if (start < end) {
                    current.run(start, end, worker);
                }
            } catch (Throwable thrown) {
                failure.compareAndSet(null, thrown);
            }
            if (pendingChunks.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (!closed) {
            long current = generation;
            if (current != seen) {
                seen = current;
                runChunks(current, worker);
                continue;
            }
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
    }
}
