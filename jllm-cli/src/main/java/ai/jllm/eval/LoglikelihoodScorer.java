package ai.jllm.eval;

import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.sampling.TokenLogprobs;
import ai.jllm.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Scores text through the engine's prompt log-probabilities: the log-likelihood of a continuation given a context
 * (multiple choice), and the log-probabilities of every token of a window (perplexity). One engine request each, with
 * one generated token that is thrown away; requests sharing a context reuse its KV blocks through the prefix cache.
 */
public final class LoglikelihoodScorer {

    private static final SamplingParams SCORING = SamplingParams.builder().greedy().maxTokens(1).promptLogprobs(0)
            .build();

    private final LLM llm;
    private final Tokenizer tokenizer;

    public LoglikelihoodScorer(LLM llm, Tokenizer tokenizer) {
        this.llm = llm;
        this.tokenizer = tokenizer;
    }

    /**
     * log P(continuation | context), summed over the continuation's tokens. The pair is tokenized as one text (with
     * the model's special tokens) and split where the context's own tokens end, so a continuation such as " A" gets
     * the tokens the model would see; if the joint tokenization does not start with the context's, the continuation
     * is tokenized on its own and appended.
     */
    public double continuation(String context, String continuation) {
        int[] contextIds = tokenizer.encode(context, true);
        int[] whole = tokenizer.encode(context + continuation, true);
        if (whole.length <= contextIds.length
                || !Arrays.equals(whole, 0, contextIds.length, contextIds, 0, contextIds.length)) {
            int[] tail = tokenizer.encode(continuation, false);
            whole = Arrays.copyOf(contextIds, contextIds.length + tail.length);
            System.arraycopy(tail, 0, whole, contextIds.length, tail.length);
        }
        double[] logprobs = tokenLogprobs(whole);
        double sum = 0;
        for (int position = contextIds.length; position < whole.length; position++) {
            sum += logprobs[position];
        }
        return sum;
    }

    /**
     * The log-probability of each token given the ones before it: entry i is log P(tokens[i] | tokens[..i]), entry 0
     * (no context) is NaN.
     */
    public double[] tokenLogprobs(int[] tokens) {
        RequestOutput output = llm.generateTokens(List.of(tokens), SCORING).getFirst();
        List<TokenLogprobs> prompt = output.promptLogprobs();
        double[] logprobs = new double[tokens.length];
        logprobs[0] = Double.NaN;
        for (int i = 1; i < tokens.length; i++) {
            logprobs[i] = prompt.get(i - 1).token().logprob();
        }
        return logprobs;
    }
}
