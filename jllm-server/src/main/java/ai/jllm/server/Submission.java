package ai.jllm.server;

import ai.jllm.api.GenerationRequest;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.RequestHandle;
import ai.jllm.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The engine requests of one HTTP request (one per prompt), submitted together and cancelled together: when the
 * client goes away, when the handler thread is interrupted (server shutdown) or when a later prompt is refused.
 */
final class Submission {

    private final List<RequestHandle> handles;
    private final BlockingQueue<StreamEvent> events;
    private int open;

    private Submission(List<RequestHandle> handles, boolean streaming) {
        this.handles = handles;
        this.events = streaming ? new LinkedBlockingQueue<>() : null;
        this.open = handles.size();
    }

    /**
     * Submits every prompt. A refusal (bad request, full queue) cancels the prompts already submitted and throws
     * the {@link ApiException} to answer.
     */
    static Submission submit(LLM llm, String requestId, List<int[]> prompts, SamplingParams params,
                             boolean streaming, int priority, Optional<String> cacheSalt) {
        List<RequestHandle> handles = new ArrayList<>(prompts.size());
        try {
            for (int i = 0; i < prompts.size(); i++) {
                String id = prompts.size() == 1 ? requestId : requestId + "-" + i;
                handles.add(llm.submit(new GenerationRequest(id, prompts.get(i), params, priority, cacheSalt),
                        streaming));
            }
        } catch (RuntimeException e) {
            handles.forEach(RequestHandle::cancel);
            throw ErrorBodies.fromSubmit(e);
        }
        Submission submission = new Submission(handles, streaming);
        if (streaming) {
            submission.startPumps();
        }
        return submission;
    }

    /** Waits for every prompt's result, in prompt order. Interrupted: cancels them and throws. */
    List<RequestOutput> results() throws InterruptedException {
        List<RequestOutput> results = new ArrayList<>(handles.size());
        try {
            for (RequestHandle handle : handles) {
                results.add(handle.result().get());
            }
        } catch (InterruptedException e) {
            cancel();
            throw e;
        } catch (ExecutionException e) {
            cancel();
            throw ErrorBodies.internal(e.getCause());
        }
        return results;
    }

    /**
     * The next event of a streaming submission, empty once every prompt has finished or failed. Interrupted:
     * cancels the prompts and ends.
     */
    Optional<StreamEvent> next() {
        if (open == 0) {
            return Optional.empty();
        }
        try {
            StreamEvent event = events.take();
            if (!(event instanceof StreamEvent.Delta)) {
                open--;
            }
            return Optional.of(event);
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Cancels every prompt still running; their KV blocks are freed at once. */
    void cancel() {
        handles.forEach(RequestHandle::cancel);
    }

    int size() {
        return handles.size();
    }

    /** One virtual thread per prompt moves its deltas into the shared event queue, so prompts interleave. */
    private void startPumps() {
        for (int i = 0; i < handles.size(); i++) {
            int prompt = i;
            RequestHandle handle = handles.get(i);
            Thread.ofVirtual().name("jllm-stream-" + handle.requestId()).start(() -> pump(prompt, handle));
        }
    }

    private void pump(int prompt, RequestHandle handle) {
        try {
            Iterator<RequestOutput> stream = handle.stream();
            while (stream.hasNext()) {
                events.add(new StreamEvent.Delta(prompt, stream.next(), System.nanoTime()));
            }
            events.add(new StreamEvent.Finished(prompt, handle.result().get()));
        } catch (InterruptedException e) {
            handle.cancel();
            events.add(new StreamEvent.Failed(prompt, new IllegalStateException("interrupted", e)));
        } catch (ExecutionException e) {
            events.add(new StreamEvent.Failed(prompt, e.getCause() instanceof RuntimeException r ? r
                    : new IllegalStateException(e.getCause())));
        } catch (RuntimeException e) {
            events.add(new StreamEvent.Failed(prompt, e));
        }
    }
}
