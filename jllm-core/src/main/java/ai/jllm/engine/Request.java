package ai.jllm.engine;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.GenerationRequest;
import ai.jllm.api.RequestMetrics;
import ai.jllm.api.RequestOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** A request inside the engine: what was asked, its samples, its timeline, and where its results go. */
final class Request {

    final GenerationRequest request;
    final RequestListener listener;
    final long arrivalNanos;
    final List<SampleState> samples = new ArrayList<>();
    OptionalLong firstScheduledNanos = OptionalLong.empty();
    OptionalLong firstTokenNanos = OptionalLong.empty();
    OptionalLong finishedNanos = OptionalLong.empty();

    Request(GenerationRequest request, RequestListener listener, long arrivalNanos) {
        this.request = request;
        this.listener = listener;
        this.arrivalNanos = arrivalNanos;
    }

    String id() {
        return request.requestId();
    }

    boolean finished() {
        for (SampleState sample : samples) {
            if (!sample.finished()) {
                return false;
            }
        }
        return samples.size() == EngineCore.samplesOf(request.params());
    }

    int numCachedTokens() {
        return samples.isEmpty() ? 0 : samples.getFirst().sequence.numCachedTokens();
    }

    RequestMetrics metrics() {
        int preemptions = 0;
        for (SampleState sample : samples) {
            preemptions += sample.sequence.numPreemptions();
        }
        return new RequestMetrics(arrivalNanos, firstScheduledNanos, firstTokenNanos, finishedNanos, preemptions);
    }

    RequestOutput delta() {
        List<CompletionOutput> outputs = new ArrayList<>();
        for (SampleState sample : samples) {
            if (sample.hasUndelivered()) {
                outputs.add(sample.takeDelta());
            }
        }
        return new RequestOutput(id(), request.promptTokenIds(), outputs, numCachedTokens(), finished(), metrics());
    }

    RequestOutput result() {
        List<CompletionOutput> outputs = new ArrayList<>();
        for (SampleState sample : samples) {
            outputs.add(sample.whole());
        }
        return new RequestOutput(id(), request.promptTokenIds(), outputs, numCachedTokens(), true, metrics());
    }
}
