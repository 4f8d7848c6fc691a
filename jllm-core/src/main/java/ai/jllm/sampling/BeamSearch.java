package ai.jllm.sampling;

import java.util.function.IntPredicate;

/**
 * The arithmetic of beam search as Hugging Face transformers does it; the scheduler keeps the beams themselves.
 * Each step every live beam is sampled with {@link LogprobsMode#PENALIZED} log probabilities and
 * {@code 2 * beamWidth} top entries; {@link #rankCandidates} orders all (beam, token) continuations by cumulative
 * log probability and {@link #selectBeams} splits the best into beams that go on and hypotheses that end.
 */
public final class BeamSearch {

    private BeamSearch() {}

    /**
     * The score finished hypotheses are ranked by: {@code cumulativeLogprob / length^lengthPenalty}. A length penalty
     * above 0 favours longer outputs (log probabilities are negative), below 0 shorter ones.
     *
     * @param length the hypothesis's generated tokens, its final end token included (transformers divides by
     *               {@code cur_len + 1 - prompt_len} when the end token is chosen)
     */
    public static double score(double cumulativeLogprob, int length, double lengthPenalty) {
        if (length <= 0) {
            throw new IllegalArgumentException("a hypothesis has at least one token, got length " + length);
        }
        return cumulativeLogprob / Math.pow(length, lengthPenalty);
    }

    /**
     * Fills {@code ranked} with the best {@code ranked.capacity()} continuations of the live beams, best first: the
     * beam at {@code output} row {@code firstRow + b} with cumulative log probability {@code cumulativeLogprobs[b]}
     * offers its top {@code perBeam} tokens, each scored {@code cumulativeLogprobs[b] + logprob}. Ties go to the
     * lower beam index, then the lower token id, so the result never depends on sort stability.
     */
    public static void rankCandidates(SampleOutput output, int firstRow, int numBeams, double[] cumulativeLogprobs,
                                      int perBeam, BeamCandidates ranked) {
        if (perBeam > output.maxTopLogprobs()) {
            throw new IllegalArgumentException(perBeam + " tokens per beam but the output holds "
                    + output.maxTopLogprobs() + " top entries per row");
        }
        ranked.clear();
        for (int b = 0; b < numBeams; b++) {
            for (int i = 0; i < perBeam; i++) {
                int token = output.topTokenId(firstRow + b, i);
                float logprob = output.topLogprob(firstRow + b, i);
                double total = cumulativeLogprobs[b] + logprob;
                int at = ranked.size();
                while (at > 0 && better(total, b, token, ranked, at - 1)) {
                    at--;
                }
                if (at < ranked.capacity()) {
                    ranked.insert(at, b, token, logprob, total);
                }
            }
        }
    }

    private static boolean better(double total, int beam, int token, BeamCandidates ranked, int index) {
        double other = ranked.cumulativeLogprob(index);
        if (total != other) {
            return total > other;
        }
        if (beam != ranked.beam(index)) {
            return beam < ranked.beam(index);
        }
        return token < ranked.tokenId(index);
    }

    /**
     * Transformers' step over ranked candidates ({@code 2 * beamWidth} of them): in rank order, a candidate ending in
     * an end token becomes a finished hypothesis if it ranks among the first {@code beamWidth} (and is dropped
     * otherwise); any other candidate continues as a beam, until {@code beamWidth} beams continue.
     */
    public static void selectBeams(BeamCandidates ranked, int beamWidth, IntPredicate isEndToken,
                                   BeamCandidates continuing, BeamCandidates finished) {
        continuing.clear();
        finished.clear();
        for (int r = 0; r < ranked.size() && continuing.size() < beamWidth; r++) {
            int token = ranked.tokenId(r);
            if (isEndToken.test(token)) {
                if (r < beamWidth) {
                    finished.add(ranked.beam(r), token, ranked.logprob(r), ranked.cumulativeLogprob(r));
                }
            } else {
                continuing.add(ranked.beam(r), token, ranked.logprob(r), ranked.cumulativeLogprob(r));
            }
        }
    }
}
