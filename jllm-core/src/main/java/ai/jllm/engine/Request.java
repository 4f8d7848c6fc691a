package ai.jllm.engine;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.GenerationRequest;
import ai.jllm.api.RequestMetrics;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.BadWords;
import ai.jllm.sampling.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** A request inside the engine: what was asked, its samples, its timeline, and where its results go. */
final class Request {

    final GenerationRequest request;
    final RequestListener listener;
    final long arrivalNanos;
    final long seed;
    final Optional<BadWords> badWords;
    final Optional<BeamGroup> beams;
    final List<SampleState> samples = new ArrayList<>();
    /** Logprobs of prompt tokens 1 .. computed so far (prompt logprobs), in order. */
    final List<TokenLogprobs> promptLogprobs = new ArrayList<>();
    private int deliveredPromptLogprobs;
    OptionalLong firstScheduledNanos = OptionalLong.empty();
    OptionalLong firstTokenNanos = OptionalLong.empty();
    OptionalLong finishedNanos = OptionalLong.empty();

    Request(GenerationRequest request, RequestListener listener, long arrivalNanos, long seed,
            Optional<BadWords> badWords, Optional<BeamGroup> beams) {
        this.request = request;
        this.listener = listener;
        this.arrivalNanos = arrivalNanos;
        this.seed = seed;
        this.badWords = badWords;
        this.beams = beams;
    }

    String id() {
        return request.requestId();
    }

    boolean finished() {
        if (beams.isPresent()) {
            return beams.get().done();
        }
        for (SampleState sample : samples) {
            if (!sample.finished()) {
                return false;
            }
        }
        return samples.size() == request.params().n();
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

    /** New output since the last delta; beam searches have none until they finish (their beams change). */
    RequestOutput delta() {
        List<CompletionOutput> outputs = new ArrayList<>();
        if (beams.isEmpty()) {
            for (SampleState sample : samples) {
                if (sample.hasUndelivered()) {
                    outputs.add(sample.takeDelta());
                }
            }
        }
        List<TokenLogprobs> newPromptLogprobs = promptLogprobs.subList(deliveredPromptLogprobs, promptLogprobs.size());
        RequestOutput delta = new RequestOutput(id(), request.promptTokenIds(), newPromptLogprobs, outputs,
                numCachedTokens(), finished(), metrics());
        deliveredPromptLogprobs = promptLogprobs.size();
        return delta;
    }

    RequestOutput result() {
        List<CompletionOutput> outputs = new ArrayList<>();
        if (beams.isPresent()) {
            outputs.addAll(beams.get().results());
        } else {
            for (SampleState sample : samples) {
                outputs.add(sample.whole());
            }
        }
        return new RequestOutput(id(), request.promptTokenIds(), promptLogprobs, outputs, numCachedTokens(), true,
                metrics());
    }
}
