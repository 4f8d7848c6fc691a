package ai.jllm.sampling;

import java.util.List;

/**
 * The log probabilities at one position: the token that is there (chosen or given by the prompt) and the most likely
 * alternatives, most likely first.
 */
public record TokenLogprobs(Logprob token, List<Logprob> top) {

    public TokenLogprobs {
        top = List.copyOf(top);
    }
}
