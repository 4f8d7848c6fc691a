package ai.jllm.api;

import ai.jllm.sampling.SamplingParams;
import java.util.Optional;

/**
 * One request to the engine.
 *
 * @param priority  higher runs first; equal priorities run first come, first served
 * @param cacheSalt when present, this request shares prefix-cache blocks only with requests of the same salt
 */
public record GenerationRequest(String requestId, int[] promptTokenIds, SamplingParams params, int priority,
                                Optional<String> cacheSalt) {

    public GenerationRequest {
        if (requestId == null || requestId.isEmpty()) {
            throw new IllegalArgumentException("a request needs an id");
        }
    }

    public static GenerationRequest of(String requestId, int[] promptTokenIds, SamplingParams params) {
        return new GenerationRequest(requestId, promptTokenIds, params, 0, Optional.empty());
    }
}
