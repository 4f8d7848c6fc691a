package ai.jllm.api;

import ai.jllm.sampling.TokenLogprobs;
import java.util.List;

/**
 * What a request produced: per sample a {@link CompletionOutput}. Streams deliver these with only the new part of
 * each sample; the final result holds everything.
 *
 * @param promptLogprobs  when asked for: entry i is the logprob of prompt token i + 1 (the first token has none)
 * @param numCachedTokens prompt tokens whose keys and values came from the prefix cache (OpenAI's cached_tokens)
 * @param finished        every sample has ended
 */
public record RequestOutput(String requestId, int[] promptTokenIds, List<TokenLogprobs> promptLogprobs,
                            List<CompletionOutput> outputs, int numCachedTokens, boolean finished,
                            RequestMetrics metrics) {

    public RequestOutput {
        promptLogprobs = List.copyOf(promptLogprobs);
        outputs = List.copyOf(outputs);
    }

    public int numGeneratedTokens() {
        int total = 0;
        for (CompletionOutput output : outputs) {
            total += output.tokenIds().length;
        }
        return total;
    }
}
