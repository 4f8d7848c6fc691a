package ai.jllm.engine;

import ai.jllm.api.RequestOutput;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A submitted request: its final result as a future, and (when submitted for streaming) its incremental outputs as a
 * blocking iterator. {@link #cancel} frees its KV blocks at once.
 */
public final class RequestHandle implements RequestListener {

    /** Marks the end of a stream in the queue of deltas. */
    private static final Object END = new Object();

    private final String requestId;
    private final CompletableFuture<RequestOutput> result = new CompletableFuture<>();
    private final BlockingQueue<Object> deltas;
    private final Consumer<String> canceller;

    RequestHandle(String requestId, boolean streaming, Consumer<String> canceller) {
        this.requestId = requestId;
        this.deltas = streaming ? new LinkedBlockingQueue<>() : null;
        this.canceller = canceller;
    }

    public String requestId() {
        return requestId;
    }

    /** Completes with the whole output, or exceptionally when the engine failed the request. */
    public CompletableFuture<RequestOutput> result() {
        return result;
    }

    /**
     * The incremental outputs, in order, ending after the one that finishes the request. {@code next()} blocks until
     * the engine produces one; it throws the engine's error if the request failed. Only for streaming submissions.
     */
    public Iterator<RequestOutput> stream() {
        if (deltas == null) {
            throw new IllegalStateException("request " + requestId + " was not submitted for streaming");
        }
        return new Iterator<>() {
            private Object next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = deltas.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        cancel();
                        throw new IllegalStateException("interrupted while streaming request " + requestId, e);
                    }
                }
                if (next instanceof RuntimeException error) {
                    throw error;
                }
                return next != END;
            }

            @Override
            public RequestOutput next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RequestOutput output = (RequestOutput) next;
                next = null;
                return output;
            }
        };
    }

    /** Cancels the request; its result completes with what was generated so far (finish reason abort). */
    public void cancel() {
        canceller.accept(requestId);
    }

    @Override
    public void onDelta(RequestOutput delta) {
        if (deltas != null && !delta.outputs().isEmpty()) {
            deltas.add(delta);
        }
    }

    @Override
    public void onFinished(RequestOutput output) {
        if (deltas != null) {
            deltas.add(END);
        }
        result.complete(output);
    }

    @Override
    public void onFailed(RuntimeException error) {
        if (deltas != null) {
            deltas.add(error);
        }
        result.completeExceptionally(error);
    }
}
