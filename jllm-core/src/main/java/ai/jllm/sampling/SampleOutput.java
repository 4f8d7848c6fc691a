package ai.jllm.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * What the sampling op writes, per row of its {@link SamplingBatch}: the chosen token and, for rows whose
 * {@link LogprobsMode} is not {@code NONE}, the token's log probability, its rank and the row's top entries.
 * Allocated once for the largest step; the op overwrites the first {@code batch.numRows()} rows. Fields of rows that
 * asked for no log probabilities are left as they were.
 *
 * <p>Rank is vLLM's: the number of tokens at least as likely as the token (1 for the argmax; tied tokens share the
 * worse rank). Top entries of row r are {@code topTokenIds / topLogprobs[r * maxTopLogprobs + i]} for i below the
 * row's {@code numTopLogprobs}, most likely first, ties by lower token id.
 */
public final class SampleOutput {

    private final int maxTopLogprobs;
    private final int[] tokenIds;       // [maxRows]
    private final float[] logprobs;     // [maxRows]
    private final int[] ranks;          // [maxRows]
    private final int[] topTokenIds;    // [maxRows, maxTopLogprobs]
    private final float[] topLogprobs;  // [maxRows, maxTopLogprobs]

    /** @param maxTopLogprobs the most top entries a row may ask for (20 for OpenAI; 2 × beam width for beams) */
    public SampleOutput(int maxRows, int maxTopLogprobs) {
        if (maxRows <= 0 || maxTopLogprobs < 0) {
            throw new IllegalArgumentException("sample output sizes must be positive");
        }
        this.maxTopLogprobs = maxTopLogprobs;
        this.tokenIds = new int[maxRows];
        this.logprobs = new float[maxRows];
        this.ranks = new int[maxRows];
        this.topTokenIds = new int[maxRows * maxTopLogprobs];
        this.topLogprobs = new float[maxRows * maxTopLogprobs];
    }

    public int tokenId(int row) {
        return tokenIds[row];
    }

    public float logprob(int row) {
        return logprobs[row];
    }

    public int rank(int row) {
        return ranks[row];
    }

    public int topTokenId(int row, int index) {
        return topTokenIds[row * maxTopLogprobs + index];
    }

    public float topLogprob(int row, int index) {
        return topLogprobs[row * maxTopLogprobs + index];
    }

    /** The row's log probabilities as values for a response (allocates; for the API layer, not the step loop). */
    public TokenLogprobs tokenLogprobs(int row, int topCount) {
        List<Logprob> top = new ArrayList<>(topCount);
        for (int i = 0; i < topCount; i++) {
            top.add(new Logprob(topTokenId(row, i), topLogprob(row, i), i + 1));
        }
        return new TokenLogprobs(new Logprob(tokenIds[row], logprobs[row], ranks[row]), top);
    }

    public int maxRows() {
        return tokenIds.length;
    }

    public int maxTopLogprobs() {
        return maxTopLogprobs;
    }

    // The arrays themselves, for a backend to write or copy into.

    public int[] tokenIds() {
        return tokenIds;
    }

    public float[] logprobs() {
        return logprobs;
    }

    public int[] ranks() {
        return ranks;
    }

    public int[] topTokenIds() {
        return topTokenIds;
    }

    public float[] topLogprobs() {
        return topLogprobs;
    }
}
