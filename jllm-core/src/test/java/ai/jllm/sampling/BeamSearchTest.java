package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class BeamSearchTest {

    private final Random random = new Random(17);

    @Test
    void scoreIsTheCumulativeLogprobOverLengthToThePenalty() {
        assertThat(BeamSearch.score(-6.0, 4, 1.0)).isEqualTo(-1.5);
        assertThat(BeamSearch.score(-6.0, 4, 0.0)).isEqualTo(-6.0);
        assertThat(BeamSearch.score(-6.0, 4, 2.0)).isEqualTo(-6.0 / 16);
        assertThat(BeamSearch.score(-6.0, 9, 0.5)).isCloseTo(-2.0, within(1e-12));
        // A positive penalty lets the longer of two equally likely-per-token hypotheses win.
        assertThat(BeamSearch.score(-8.0, 8, 1.5)).isGreaterThan(BeamSearch.score(-4.0, 4, 1.5));
    }

    private record Candidate(int beam, int token, float logprob, double total) {}

    @Test
    void rankingMatchesSortingEveryContinuation() {
        for (int trial = 0; trial < 500; trial++) {
            int numBeams = 1 + random.nextInt(4);
            int perBeam = 1 + random.nextInt(6);
            int firstRow = random.nextInt(3);
            SampleOutput output = new SampleOutput(firstRow + numBeams, perBeam);
            double[] cumulative = new double[numBeams];
            List<Candidate> all = new ArrayList<>();
            for (int b = 0; b < numBeams; b++) {
                cumulative[b] = -random.nextInt(3); // small integers and halves, so ties are common
                for (int i = 0; i < perBeam; i++) {
                    int token = random.nextInt(1000);
                    float logprob = -0.5f * random.nextInt(4);
                    output.topTokenIds()[(firstRow + b) * perBeam + i] = token;
                    output.topLogprobs()[(firstRow + b) * perBeam + i] = logprob;
                    all.add(new Candidate(b, token, logprob, cumulative[b] + logprob));
                }
            }
            all.sort(Comparator.comparingDouble((Candidate c) -> -c.total()).thenComparingInt(Candidate::beam)
                    .thenComparingInt(Candidate::token));
            int capacity = 1 + random.nextInt(8);
            BeamCandidates ranked = new BeamCandidates(capacity);
            BeamSearch.rankCandidates(output, firstRow, numBeams, cumulative, perBeam, ranked);
            assertThat(candidates(ranked)).as("trial %d", trial)
                    .isEqualTo(all.subList(0, Math.min(capacity, all.size())));
        }
    }

    @Test
    void endTokensInTheFirstBeamWidthRanksFinishAndOthersAreDropped() {
        int end = 2;
        SampleOutput output = new SampleOutput(1, 6);
        int[] tokens = {end, 5, 6, end, 7, 8};
        float[] logprobs = {-0.1f, -0.2f, -0.3f, -0.4f, -0.5f, -0.6f};
        System.arraycopy(tokens, 0, output.topTokenIds(), 0, 6);
        System.arraycopy(logprobs, 0, output.topLogprobs(), 0, 6);
        BeamCandidates ranked = new BeamCandidates(6);
        BeamSearch.rankCandidates(output, 0, 1, new double[] {-1}, 6, ranked);
        BeamCandidates continuing = new BeamCandidates(3);
        BeamCandidates finished = new BeamCandidates(3);
        BeamSearch.selectBeams(ranked, 3, t -> t == end, continuing, finished);
        assertThat(candidates(finished)).containsExactly(new Candidate(0, end, -0.1f, -1.0 + -0.1f));
        assertThat(candidates(continuing)).extracting(Candidate::token).containsExactly(5, 6, 7);
    }

    /**
     * Whole beam searches over a toy model (next-token logprobs a hash of the prefix) through the sampling op and
     * these helpers, against transformers' algorithm written directly over the full vocabulary.
     */
    @Test
    void beamSearchThroughTheOpMatchesTransformersOverTheFullVocabulary() {
        int vocab = 12;
        int end = 0;
        for (int trial = 0; trial < 40; trial++) {
            int beamWidth = 2 + trial % 3;
            long salt = random.nextLong();
            assertThat(beamSearchThroughOp(vocab, end, beamWidth, 6, salt, 1.0))
                    .as("trial %d", trial).isEqualTo(reference(vocab, end, beamWidth, 6, salt, 1.0));
        }
    }

    private record Hypothesis(List<Integer> tokens, double score) {}

    private static List<Hypothesis> beamSearchThroughOp(int vocab, int end, int beamWidth, int steps, long salt,
                                                        double lengthPenalty) {
        HostSampling sampling = new HostSampling(vocab);
        SamplingBatch batch = new SamplingBatch(beamWidth, vocab, 0, 0);
        SampleOutput output = new SampleOutput(beamWidth, 2 * beamWidth);
        BeamCandidates ranked = new BeamCandidates(2 * beamWidth);
        BeamCandidates continuing = new BeamCandidates(beamWidth);
        BeamCandidates finished = new BeamCandidates(beamWidth);
        SamplingParams params = SamplingParams.builder().greedy().build();
        List<List<Integer>> beams = List.of(List.of());
        double[] cumulative = {0};
        List<Hypothesis> done = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            float[] logits = new float[beams.size() * vocab];
            batch.clear();
            for (int b = 0; b < beams.size(); b++) {
                System.arraycopy(toyLogits(beams.get(b), vocab, salt), 0, logits, b * vocab, vocab);
                batch.addRow(b, params, 0, step);
                batch.setLogprobs(LogprobsMode.PENALIZED, 2 * beamWidth);
            }
            sampling.sample(logits, batch, output);
            BeamSearch.rankCandidates(output, 0, beams.size(), cumulative, 2 * beamWidth, ranked);
            IntPredicate isEnd = t -> t == end;
            BeamSearch.selectBeams(ranked, beamWidth, isEnd, continuing, finished);
            for (int i = 0; i < finished.size(); i++) {
                List<Integer> tokens = new ArrayList<>(beams.get(finished.beam(i)));
                tokens.add(end);
                done.add(new Hypothesis(tokens, BeamSearch.score(finished.cumulativeLogprob(i), tokens.size(),
                        lengthPenalty)));
            }
            List<List<Integer>> next = new ArrayList<>();
            cumulative = new double[continuing.size()];
            for (int i = 0; i < continuing.size(); i++) {
                List<Integer> tokens = new ArrayList<>(beams.get(continuing.beam(i)));
                tokens.add(continuing.tokenId(i));
                next.add(tokens);
                cumulative[i] = continuing.cumulativeLogprob(i);
            }
            beams = next;
        }
        for (int b = 0; b < beams.size(); b++) {
            done.add(new Hypothesis(beams.get(b), BeamSearch.score(cumulative[b], beams.get(b).size(), lengthPenalty)));
        }
        return best(done, beamWidth);
    }

    /** transformers' beam search: top 2W of every (beam, token) by cumulative logprob, end tokens in the top W finish. */
    private static List<Hypothesis> reference(int vocab, int end, int beamWidth, int steps, long salt,
                                              double lengthPenalty) {
        record Scored(int beam, int token, double total) {}
        List<List<Integer>> beams = List.of(List.of());
        List<Double> sums = List.of(0.0);
        List<Hypothesis> done = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            List<Scored> all = new ArrayList<>();
            for (int b = 0; b < beams.size(); b++) {
                double[] logprobs = NaiveSampling.logSoftmax(toyLogits(beams.get(b), vocab, salt));
                for (int t = 0; t < vocab; t++) {
                    all.add(new Scored(b, t, sums.get(b) + logprobs[t]));
                }
            }
            all.sort(Comparator.comparingDouble((Scored s) -> -s.total()));
            List<List<Integer>> next = new ArrayList<>();
            List<Double> nextSums = new ArrayList<>();
            for (int rank = 0; rank < 2 * beamWidth && next.size() < beamWidth; rank++) {
                Scored s = all.get(rank);
                if (s.token() == end) {
                    if (rank < beamWidth) {
                        List<Integer> tokens = new ArrayList<>(beams.get(s.beam()));
                        tokens.add(end);
                        done.add(new Hypothesis(tokens, s.total() / Math.pow(tokens.size(), lengthPenalty)));
                    }
                } else {
                    List<Integer> tokens = new ArrayList<>(beams.get(s.beam()));
                    tokens.add(s.token());
                    next.add(tokens);
                    nextSums.add(s.total());
                }
            }
            beams = next;
            sums = nextSums;
        }
        for (int b = 0; b < beams.size(); b++) {
            done.add(new Hypothesis(beams.get(b), sums.get(b) / Math.pow(beams.get(b).size(), lengthPenalty)));
        }
        return best(done, beamWidth);
    }

    /** The best hypotheses, scores rounded so float and double arithmetic compare equal. */
    private static List<Hypothesis> best(List<Hypothesis> hypotheses, int count) {
        return hypotheses.stream()
                .sorted(Comparator.comparingDouble((Hypothesis h) -> -h.score())).limit(count)
                .map(h -> new Hypothesis(h.tokens(), Math.round(h.score() * 1e4) / 1e4)).toList();
    }

    private static float[] toyLogits(List<Integer> prefix, int vocab, long salt) {
        Random random = new Random(salt ^ prefix.hashCode() * 0x9E3779B97F4A7C15L);
        float[] logits = new float[vocab];
        for (int t = 0; t < vocab; t++) {
            logits[t] = (float) (random.nextGaussian() * 2);
        }
        return logits;
    }

    private static List<Candidate> candidates(BeamCandidates list) {
        List<Candidate> result = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            result.add(new Candidate(list.beam(i), list.tokenId(i), list.logprob(i), list.cumulativeLogprob(i)));
        }
        return result;
    }
}
