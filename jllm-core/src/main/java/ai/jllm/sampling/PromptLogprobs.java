package ai.jllm.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * Prompt log probabilities: how likely the model found each prompt token given the ones before it, from the logits
 * of a forward with {@code Logits.ALL}. The logits at prompt position p predict token p + 1, so the first prompt token
 * has none (responses show it as null). Same definition as the sampling op's {@link LogprobsMode#MODEL}: log-softmax
 * of the raw logits.
 */
public final class PromptLogprobs {

    private PromptLogprobs() {}

    /**
     * The log probabilities of prompt tokens {@code firstPosition + 1 ...}, one per logits row; with chunked prefill
     * call it once per chunk. Rows whose next token lies beyond the prompt (the last prompt position, whose logits
     * choose the first output token) give nothing.
     *
     * @param logits        rows {@code [0, numPositions)} of {@code vocabSize} floats: the logits at prompt
     *                      positions {@code [firstPosition, firstPosition + numPositions)}
     * @param topLogprobs   most likely alternatives to return per position, 0 to {@value SamplingParams#MAX_LOGPROBS}
     * @return entry i is for prompt token {@code firstPosition + 1 + i}
     */
    public static List<TokenLogprobs> compute(float[] logits, int vocabSize, int[] promptTokens, int firstPosition,
                                              int numPositions, int topLogprobs) {
        if (firstPosition < 0 || numPositions < 0 || (long) numPositions * vocabSize > logits.length) {
            throw new IllegalArgumentException(numPositions + " positions from " + firstPosition + " do not fit in "
                    + logits.length / vocabSize + " logits rows");
        }
        if (topLogprobs < 0 || topLogprobs > vocabSize) {
            throw new IllegalArgumentException("cannot return " + topLogprobs + " top logprobs");
        }
        int count = Math.max(0, Math.min(numPositions, promptTokens.length - 1 - firstPosition));
        List<TokenLogprobs> result = new ArrayList<>(count);
        int[] topIds = new int[topLogprobs];
        float[] topValues = new float[topLogprobs];
        for (int i = 0; i < count; i++) {
            int offset = i * vocabSize;
            int token = promptTokens[firstPosition + 1 + i];
            double logSumExp = LogSoftmax.logSumExp(logits, offset, vocabSize);
            LogSoftmax.top(logits, offset, vocabSize, topLogprobs, logSumExp, topIds, topValues, 0);
            List<Logprob> top = new ArrayList<>(topLogprobs);
            for (int j = 0; j < topLogprobs; j++) {
                top.add(new Logprob(topIds[j], topValues[j], j + 1));
            }
            Logprob chosen = new Logprob(token, (float) (logits[offset + token] - logSumExp),
                    LogSoftmax.rank(logits, offset, vocabSize, token));
            result.add(new TokenLogprobs(chosen, top));
        }
        return result;
    }
}
