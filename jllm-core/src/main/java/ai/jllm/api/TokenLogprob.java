package ai.jllm.api;

import java.util.List;

/**
 * The log-probability of a token under the model's distribution (log-softmax of the raw logits), with the most
 * likely alternatives at that position when they were asked for.
 *
 * @param rank 1 for the most likely token
 */
public record TokenLogprob(int tokenId, float logprob, int rank, List<Alternative> top) {

    public TokenLogprob {
        top = List.copyOf(top);
    }

    public record Alternative(int tokenId, float logprob) {}
}
