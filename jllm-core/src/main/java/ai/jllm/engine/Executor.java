package ai.jllm.engine;

import ai.jllm.JllmException;
import ai.jllm.api.GenerationRequest;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs an {@link EngineCore} on one engine thread: {@code schedule → execute → update} while there is work, asleep
 * otherwise. Any thread may submit and cancel; requests are validated on the caller's thread (so a bad request fails
 * at once) and handed to the engine thread through a lock-free queue.
 */
public final class Executor implements AutoCloseable {

    private sealed interface Command {}

    private record Submit(GenerationRequest request, RequestHandle handle) implements Command {}

    private record Cancel(String requestId) implements Command {}

    private final EngineCore core;
    private final int maxQueueSize;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread thread;
    private final Consumer<IterationStats> statsListener;
    private volatile boolean accepting = true;
    private volatile boolean stopping;

    /**
     * @param maxQueueSize  requests that may wait for admission before submit refuses with {@link QueueFullException}
     * @param statsListener sees every iteration's statistics on the engine thread (keep it quick)
     */
    public Executor(EngineCore core, int maxQueueSize, Consumer<IterationStats> statsListener) {
        if (maxQueueSize <= 0) {
            throw new IllegalArgumentException("max_queue_size must be positive, got " + maxQueueSize);
        }
        this.core = core;
        this.maxQueueSize = maxQueueSize;
        this.statsListener = statsListener;
        this.thread = Thread.ofPlatform().name("jllm-engine").daemon().start(this::loop);
    }

    /**
     * Queues a request.
     *
     * @param streaming whether the handle's {@link RequestHandle#stream} will be read
     * @throws JllmException       when the request is invalid for this engine (the message says why)
     * @throws QueueFullException  when {@code max_queue_size} requests are already waiting
     */
    public RequestHandle submit(GenerationRequest request, boolean streaming) {
        if (!accepting) {
            throw new JllmException("the engine is shutting down");
        }
        core.validate(request);
        if (queued.incrementAndGet() + core.lastStats().waiting() > maxQueueSize) {
            queued.decrementAndGet();
            throw new QueueFullException(maxQueueSize);
        }
        RequestHandle handle = new RequestHandle(request.requestId(), streaming, this::cancel);
        commands.add(new Submit(request, handle));
        LockSupport.unpark(thread);
        return handle;
    }

    /** Cancels a request wherever it is; unknown or finished ids are ignored. */
    public void cancel(String requestId) {
        commands.add(new Cancel(requestId));
        LockSupport.unpark(thread);
    }

    /** The latest iteration's statistics. */
    public IterationStats stats() {
        return core.lastStats();
    }

    /** Requests submitted and not yet finished, waiting or running. */
    public int numRequests() {
        IterationStats stats = core.lastStats();
        return queued.get() + stats.running() + stats.waiting();
    }

    /**
     * Stops accepting requests, lets the running ones finish for up to {@code grace}, cancels what remains and stops
     * the engine thread.
     */
    public void shutdown(Duration grace) {
        accepting = false;
        long deadline = System.nanoTime() + grace.toNanos();
        while (thread.isAlive() && (core.numRequests() > 0 || !commands.isEmpty()) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    private void loop() {
        while (true) {
            drainCommands();
            if (stopping) {
                abortAll();
                return;
            }
            if (!core.hasWork()) {
                LockSupport.park(this);
                continue;
            }
            try {
                statsListener.accept(core.step());
            } catch (RuntimeException e) {
                core.failAll(e instanceof JllmException ? e : new JllmException("engine step failed: " + e, e));
            }
        }
    }

    private void drainCommands() {
        Command command;
        while ((command = commands.poll()) != null) {
            switch (command) {
                case Submit(GenerationRequest request, RequestHandle handle) -> {
                    queued.decrementAndGet();
                    try {
                        core.add(request, handle);
                    } catch (RuntimeException e) {
                        handle.onFailed(e);
                    }
                }
                case Cancel(String requestId) -> core.abort(requestId);
            }
        }
    }

    private void abortAll() {
        for (String id : core.requestIds()) {
            core.abort(id);
        }
    }
}
