package ai.jllm.api;

import ai.jllm.engine.FinishReason;
import ai.jllm.sampling.TokenLogprobs;
import java.util.List;
import java.util.Optional;

/**
 * One sample of a request (index 0 … n-1): the whole text and tokens when it comes from {@link RequestOutput} as a
 * final result; only the new text and tokens since the previous delivery when it comes from a stream.
 *
 * @param logprobs          one entry per token in {@code tokenIds} when the request asked for logprobs, else empty
 * @param cumulativeLogprob the sum of the sample's token logprobs so far (0 without logprobs; the beam score's
 *                          numerator for beam search)
 * @param finishReason      present once the sample has ended
 * @param stopReason        the stop string or stop token that ended it, when one did
 */
public record CompletionOutput(int index, String text, int[] tokenIds, List<TokenLogprobs> logprobs,
                               double cumulativeLogprob, Optional<FinishReason> finishReason,
                               Optional<String> stopReason) {

    public CompletionOutput {
        logprobs = List.copyOf(logprobs);
    }

    public boolean finished() {
        return finishReason.isPresent();
    }
}
