package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.sampling.NaiveSampling.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The host sampling op against {@link NaiveSampling}, step by step and combined, on seeded random rows. */
class HostSamplingTest {

    private static final float[] SMALL = {1.0f, 3.0f, 0.5f, 3.0f, -2.0f, 2.0f, 0.0f, 1.5f, -0.5f, 2.5f};

    private final Random random = new Random(20240607);

    // ---- penalties and masks ----

    @Test
    void penaltiesAndMasksMatchTheirDefinitions() {
        int vocab = 64;
        List<SamplingParams> settings = List.of(
                params().repetitionPenalty(1.3).build(),
                params().repetitionPenalty(0.7).build(),
                params().presencePenalty(0.5).build(),
                params().frequencyPenalty(-1.2).build(),
                params().repetitionPenalty(1.8).presencePenalty(-0.4).frequencyPenalty(0.3).build(),
                params().build());
        for (SamplingParams setting : settings) {
            for (int trial = 0; trial < 20; trial++) {
                float[] logits = randomLogits(vocab, 3);
                Row row = randomRow(setting, vocab, 12, 9, 3);
                SampleOutput out = new SampleOutput(1, vocab);
                SamplingBatch batch = new SamplingBatch(1, vocab, 8, 64);
                addRow(batch, 0, row, 5, trial);
                batch.setLogprobs(LogprobsMode.PENALIZED, vocab);
                new HostSampling(vocab).sample(logits, batch, out);

                double[] expected = NaiveSampling.logSoftmax(NaiveSampling.penalized(logits, row));
                for (int i = 0; i < vocab; i++) {
                    int token = out.topTokenId(0, i);
                    if (row.masked().contains(token)) {
                        assertThat(out.topLogprob(0, i)).isEqualTo(Float.NEGATIVE_INFINITY);
                    } else {
                        assertThat((double) out.topLogprob(0, i)).as("%s token %d", setting, token)
                                .isCloseTo(expected[token], within(1e-5));
                    }
                }
                assertThat(distinct(out, 0, vocab)).hasSize(vocab);
            }
        }
    }

    @Test
    void greedyTakesTheArgmaxAfterPenaltiesAndMasks() {
        int vocab = 200;
        HostSampling sampling = new HostSampling(vocab);
        for (int trial = 0; trial < 300; trial++) {
            SamplingParams setting = (trial % 2 == 0 ? params().greedy() : params().topK(1).temperature(0.8))
                    .repetitionPenalty(1 + random.nextDouble()).presencePenalty(random.nextDouble() * 2)
                    .frequencyPenalty(random.nextDouble() - 0.5).build();
            float[] logits = randomLogits(vocab, 2);
            Row row = randomRow(setting, vocab, 30, 20, 5);
            // Make the penalties and masks matter: the raw argmax is a penalized or masked token.
            logits[row.output()[0]] = 9f;
            logits[row.masked().iterator().next()] = 10f;
            SampleOutput out = sampleOne(sampling, logits, row, 1, trial);
            assertThat(out.tokenId(0)).as("trial %d", trial).isEqualTo(NaiveSampling.greedy(logits, row));
        }
    }

    @Test
    void greedyTiesGoToTheFirstLargestLogitLikeTorchArgmax() {
        SamplingParams greedy = params().greedy().build();
        assertThat(sampleOne(new HostSampling(SMALL.length), SMALL, plain(greedy), 1, 0).tokenId(0)).isEqualTo(1);
    }

    // ---- draws ----

    static Stream<Arguments> combinations() {
        return Stream.of(
                Arguments.of(params().temperature(1.0).build()),
                Arguments.of(params().temperature(0.6).build()),
                Arguments.of(params().temperature(1.7).topK(5).build()),
                Arguments.of(params().temperature(0.9).topP(0.8).build()),
                Arguments.of(params().temperature(1.2).minP(0.15).build()),
                Arguments.of(params().temperature(0.7).topK(7).topP(0.9).build()),
                Arguments.of(params().temperature(1.4).topK(8).topP(0.95).minP(0.05).build()),
                Arguments.of(params().temperature(1.1).topP(0.7).minP(0.3).repetitionPenalty(1.4)
                        .presencePenalty(0.4).frequencyPenalty(0.2).build()));
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void drawsInvertTheCumulativeDistributionOfTheProcessedSoftmax(SamplingParams setting) {
        for (int vocab : new int[] {50, 1000}) {
            HostSampling sampling = new HostSampling(vocab);
            for (int trial = 0; trial < 10; trial++) {
                float[] logits = randomLogits(vocab, 2.5);
                Row row = randomRow(setting, vocab, 20, 15, 4);
                double[] p = NaiveSampling.distribution(logits, row);
                long seed = random.nextLong();
                for (int counter = 0; counter < 300; counter++) {
                    int token = sampleOne(sampling, logits, row, seed, counter).tokenId(0);
                    assertInverseCdf(p, token, Philox.uniform(seed, counter));
                }
            }
        }
    }

    @Test
    void aLargeVocabularyTruncatesLikeTheDefinitions() {
        int vocab = 60_000;
        HostSampling sampling = new HostSampling(vocab);
        List<SamplingParams> settings = List.of(params().topP(0.9).build(), params().topP(0.5).temperature(0.7).build(),
                params().topP(0.995).topK(1000).build(), params().topK(40).build(),
                params().topK(3000).minP(0.02).temperature(1.3).build());
        for (SamplingParams setting : settings) {
            float[] logits = randomLogits(vocab, 4);
            Row row = plain(setting);
            double[] p = NaiveSampling.distribution(logits, row);
            for (int counter = 0; counter < 40; counter++) {
                assertInverseCdf(p, sampleOne(sampling, logits, row, 77, counter).tokenId(0),
                        Philox.uniform(77, counter));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void drawFrequenciesFollowTheProcessedSoftmax(SamplingParams setting) {
        Row row = new Row(setting, new int[] {1, 4, 4}, new int[] {3, 9, 3}, Set.of(6));
        double[] p = NaiveSampling.distribution(SMALL, row);
        int draws = 40_000;
        int[] counts = new int[SMALL.length];
        HostSampling sampling = new HostSampling(SMALL.length);
        for (int counter = 0; counter < draws; counter++) {
            counts[sampleOne(sampling, SMALL, row, 12345, counter).tokenId(0)]++;
        }
        for (int t = 0; t < SMALL.length; t++) {
            if (p[t] == 0) {
                assertThat(counts[t]).as("token %d is outside the kept set", t).isZero();
            } else {
                double sigma = Math.sqrt(p[t] * (1 - p[t]) / draws);
                assertThat((double) counts[t] / draws).as("token %d", t).isCloseTo(p[t], within(5 * sigma + 1e-4));
            }
        }
    }

    @Test
    void topKKeepsTiesWithTheKthLogit() {
        // Tokens 1 and 3 tie at the top: top-k 1 is greedy, top-k 2 keeps both and nothing else.
        int[] counts = histogram(params().topK(2).build(), 5_000);
        assertThat(counts[1] + counts[3]).isEqualTo(5_000);
        assertThat(counts[1]).isBetween(2_250, 2_750);
        // 2.5 is third; 2.0 and 1.5 are tokens five and seven: top-k 4 keeps 1, 3, 9, 5.
        int[] four = histogram(params().topK(4).build(), 20_000);
        assertThat(four[1] + four[3] + four[9] + four[5]).isEqualTo(20_000);
        assertThat(four[5]).isPositive();
    }

    @Test
    void topPKeepsTheSmallestMostLikelySetReachingP() {
        double[] p = NaiveSampling.logSoftmax(SMALL);
        double top2 = Math.exp(p[1]) + Math.exp(p[3]);
        int[] counts = histogram(params().topP(top2 - 0.01).build(), 5_000);
        assertThat(counts[1] + counts[3]).isEqualTo(5_000);
        int[] wider = histogram(params().topP(top2 + 0.01).build(), 20_000);
        assertThat(wider[1] + wider[3] + wider[9]).isEqualTo(20_000);
        assertThat(wider[9]).isPositive();
    }

    @Test
    void minPKeepsExactlyTheTokensAtLeastMinPTimesTheMostLikely() {
        // Probabilities relative to the most likely token: 1, 0.5, 0.2 + e, 0.2 - e, 0.05.
        float[] logits = {(float) Math.log(0.5), 0f, (float) Math.log(0.201), (float) Math.log(0.199),
                (float) Math.log(0.05)};
        Set<Integer> seen = drawnTokens(logits, params().minP(0.2).build(), 20_000);
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2);
        // Temperature 0.5 squares the ratios: 0.25, 0.04..., so min-p 0.2 leaves tokens 1 and 0.
        assertThat(drawnTokens(logits, params().minP(0.2).temperature(0.5).build(), 20_000))
                .containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void maskedTokensAreNeverSampled() {
        Row row = new Row(params().temperature(1.5).build(), new int[0], new int[0], Set.of(1, 3, 9));
        HostSampling sampling = new HostSampling(SMALL.length);
        Set<Integer> seen = new HashSet<>();
        for (int counter = 0; counter < 5_000; counter++) {
            seen.add(sampleOne(sampling, SMALL, row, 3, counter).tokenId(0));
        }
        assertThat(seen).doesNotContain(1, 3, 9).contains(5, 0, 7);
        Row greedy = new Row(params().greedy().build(), new int[0], new int[0], Set.of(1, 3, 9));
        assertThat(sampleOne(sampling, SMALL, greedy, 3, 0).tokenId(0)).isEqualTo(5);
    }

    @Test
    void aRowWhoseEveryTokenIsMaskedGivesTokenZero() {
        Set<Integer> all = new HashSet<>();
        for (int t = 0; t < SMALL.length; t++) {
            all.add(t);
        }
        HostSampling sampling = new HostSampling(SMALL.length);
        assertThat(sampleOne(sampling, SMALL, new Row(params().build(), new int[0], new int[0], all), 1, 0)
                .tokenId(0)).isZero();
        assertThat(sampleOne(sampling, SMALL, new Row(params().greedy().build(), new int[0], new int[0], all), 1, 0)
                .tokenId(0)).isZero();
    }

    // ---- seeds and batch composition ----

    @Test
    void aRowSamplesTheSameAloneOrAmongOtherRows() {
        int vocab = 500;
        SamplingParams setting = params().temperature(1.1).topK(60).topP(0.9).minP(0.01).repetitionPenalty(1.2)
                .frequencyPenalty(0.3).logprobs(5).build();
        float[] target = randomLogits(vocab, 3);
        Row row = randomRow(setting, vocab, 40, 25, 3);
        HostSampling sampling = new HostSampling(vocab);
        for (int counter = 0; counter < 100; counter++) {
            SampleOutput alone = new SampleOutput(1, 5);
            SamplingBatch single = new SamplingBatch(1, vocab, 16, 128);
            addRow(single, 0, row, 99, counter);
            sampling.sample(target, single, alone);

            // The same row fourth of six, its logits in row 2 of 4, the others with their own settings.
            float[] logits = new float[4 * vocab];
            for (int r = 0; r < 4; r++) {
                System.arraycopy(r == 2 ? target : randomLogits(vocab, 3), 0, logits, r * vocab, vocab);
            }
            SampleOutput together = new SampleOutput(6, 20);
            SamplingBatch batch = new SamplingBatch(6, vocab, 64, 512);
            for (int r = 0; r < 6; r++) {
                if (r == 3) {
                    addRow(batch, 2, row, 99, counter);
                } else {
                    SamplingParams other = params().temperature(0.5 + r).topK(r + 1).logprobs(r).build();
                    addRow(batch, r % 4, randomRow(other, vocab, 10, 10, 2), random.nextLong(), counter);
                }
            }
            sampling.sample(logits, batch, together);

            assertThat(together.tokenId(3)).isEqualTo(alone.tokenId(0));
            assertThat(together.logprob(3)).isEqualTo(alone.logprob(0));
            assertThat(together.rank(3)).isEqualTo(alone.rank(0));
            for (int i = 0; i < 5; i++) {
                assertThat(together.topTokenId(3, i)).isEqualTo(alone.topTokenId(0, i));
                assertThat(together.topLogprob(3, i)).isEqualTo(alone.topLogprob(0, i));
            }
        }
    }

    @Test
    void theSameSeedAndCounterGiveTheSameTokenAndOtherSeedsDiffer() {
        Row row = plain(params().temperature(1.3).topP(0.95).build());
        HostSampling sampling = new HostSampling(SMALL.length);
        int[] first = new int[200];
        int differences = 0;
        for (int counter = 0; counter < 200; counter++) {
            first[counter] = sampleOne(sampling, SMALL, row, 99, counter).tokenId(0);
            assertThat(sampleOne(new HostSampling(SMALL.length), SMALL, row, 99, counter).tokenId(0))
                    .isEqualTo(first[counter]);
            differences += sampleOne(sampling, SMALL, row, 100, counter).tokenId(0) != first[counter] ? 1 : 0;
        }
        assertThat(differences).isGreaterThan(50);
    }

    @Test
    void rowsMayShareALogitsRowAndDrawIndependently() {
        int n = 4;
        SamplingBatch batch = new SamplingBatch(n, SMALL.length, 0, 0);
        SampleOutput out = new SampleOutput(n, 0);
        HostSampling sampling = new HostSampling(SMALL.length);
        SamplingParams setting = params().temperature(2.0).build();
        int[][] tokens = new int[n][300];
        for (int counter = 0; counter < 300; counter++) {
            batch.clear();
            for (int i = 0; i < n; i++) {
                batch.addRow(0, setting, Philox.sampleSeed(42, i), counter);
            }
            sampling.sample(SMALL, batch, out);
            for (int i = 0; i < n; i++) {
                tokens[i][counter] = out.tokenId(i);
                assertThat(out.tokenId(i)).isEqualTo(sampleOne(sampling, SMALL, plain(setting),
                        Philox.sampleSeed(42, i), counter).tokenId(0));
            }
        }
        for (int i = 1; i < n; i++) {
            assertThat(tokens[i]).isNotEqualTo(tokens[0]);
        }
    }

    // ---- log probabilities ----

    @Test
    void logprobsAreTheModelsLogSoftmaxBeforePenaltiesMasksAndTemperature() {
        int vocab = 300;
        HostSampling sampling = new HostSampling(vocab);
        for (int trial = 0; trial < 50; trial++) {
            float[] logits = randomLogits(vocab, 3);
            // Ties, to pin down rank and the order of equal entries.
            logits[17] = logits[42];
            logits[250] = logits[42];
            int top = trial % 21;
            SamplingParams setting = params().temperature(0.3 + trial % 4).topK(50).repetitionPenalty(1.5)
                    .presencePenalty(1).logprobs(top).build();
            Row row = randomRow(setting, vocab, 20, 10, 4);
            SampleOutput out = sampleOne(sampling, logits, row, trial, trial);
            int token = out.tokenId(0);
            double[] expected = NaiveSampling.logSoftmax(logits);
            assertThat((double) out.logprob(0)).isCloseTo(expected[token], within(1e-5));
            int rank = 0;
            for (int t = 0; t < vocab; t++) {
                rank += logits[t] >= logits[token] ? 1 : 0;
            }
            assertThat(out.rank(0)).isEqualTo(rank);
            Integer[] byLikelihood = new Integer[vocab];
            for (int t = 0; t < vocab; t++) {
                byLikelihood[t] = t;
            }
            Arrays.sort(byLikelihood, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
            for (int i = 0; i < top; i++) {
                assertThat(out.topTokenId(0, i)).isEqualTo(byLikelihood[i]);
                assertThat((double) out.topLogprob(0, i)).isCloseTo(expected[byLikelihood[i]], within(1e-5));
            }
            TokenLogprobs values = out.tokenLogprobs(0, top);
            assertThat(values.token()).isEqualTo(new Logprob(token, out.logprob(0), rank));
            assertThat(values.top()).hasSize(top);
        }
    }

    @Test
    void tiedEntriesAreOrderedByTokenIdAndShareTheWorseRank() {
        float[] logits = {0f, 2f, 1f, 2f, 2f};
        Row row = plain(params().greedy().logprobs(4).build());
        SampleOutput out = sampleOne(new HostSampling(logits.length), logits, row, 1, 0);
        assertThat(out.tokenId(0)).isEqualTo(1);
        assertThat(out.rank(0)).isEqualTo(3);
        assertThat(new int[] {out.topTokenId(0, 0), out.topTokenId(0, 1), out.topTokenId(0, 2), out.topTokenId(0, 3)})
                .containsExactly(1, 3, 4, 2);
    }

    @Test
    void theLogitsAreLeftAsTheyWere() {
        float[] logits = randomLogits(100, 2);
        float[] copy = logits.clone();
        Row row = randomRow(params().repetitionPenalty(2).topP(0.5).logprobs(3).build(), 100, 10, 10, 5);
        sampleOne(new HostSampling(100), logits, row, 1, 1);
        assertThat(logits).containsExactly(copy);
    }

    @Test
    void rowsOutsideTheLogitsOrTheOutputAreRefused() {
        HostSampling sampling = new HostSampling(SMALL.length);
        SamplingBatch batch = new SamplingBatch(2, SMALL.length, 0, 0);
        batch.addRow(1, params().build(), 1, 0);
        assertThatThrownBy(() -> sampling.sample(SMALL, batch, new SampleOutput(2, 0)))
                .hasMessageContaining("logits row 1");
        batch.clear();
        batch.addRow(0, params().logprobs(5).build(), 1, 0);
        assertThatThrownBy(() -> sampling.sample(SMALL, batch, new SampleOutput(2, 4)))
                .hasMessageContaining("5 top logprobs");
        assertThatThrownBy(() -> batch.maskToken(SMALL.length)).hasMessageContaining("token id 10");
    }

    // ---- helpers ----

    private static SamplingParams.Builder params() {
        return SamplingParams.builder();
    }

    private static Row plain(SamplingParams setting) {
        return new Row(setting, new int[0], new int[0], Set.of());
    }

    /** A row with a random prompt and output drawn from a few tokens (so they repeat), and random masks. */
    private Row randomRow(SamplingParams setting, int vocab, int promptLength, int outputLength, int masks) {
        int pool = Math.max(4, vocab / 4);
        int[] prompt = new int[promptLength];
        int[] output = new int[outputLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = random.nextInt(pool);
        }
        for (int i = 0; i < outputLength; i++) {
            output[i] = random.nextInt(pool);
        }
        Set<Integer> masked = new HashSet<>();
        while (masked.size() < masks) {
            masked.add(random.nextInt(vocab));
        }
        return new Row(setting, prompt, output, masked);
    }

    private float[] randomLogits(int vocab, double scale) {
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (random.nextGaussian() * scale);
        }
        return logits;
    }

    private static void addRow(SamplingBatch batch, int logitsRow, Row row, long seed, long counter) {
        batch.addRow(logitsRow, row.params(), seed, counter);
        for (int token : row.masked()) {
            batch.maskToken(token);
        }
        int[] tokens = row.tokens();
        new PenaltyTokens(batch.vocabSize()).addEntries(batch, tokens, row.prompt().length, tokens.length);
    }

    private static SampleOutput sampleOne(HostSampling sampling, float[] logits, Row row, long seed, long counter) {
        SamplingBatch batch = new SamplingBatch(1, logits.length, row.masked().size(), logits.length);
        SampleOutput out = new SampleOutput(1, SamplingParams.MAX_LOGPROBS);
        addRow(batch, 0, row, seed, counter);
        sampling.sample(logits, batch, out);
        return out;
    }

    private static int[] histogram(SamplingParams setting, int draws) {
        HostSampling sampling = new HostSampling(SMALL.length);
        int[] counts = new int[SMALL.length];
        for (int counter = 0; counter < draws; counter++) {
            counts[sampleOne(sampling, SMALL, plain(setting), 12345, counter).tokenId(0)]++;
        }
        return counts;
    }

    private static Set<Integer> drawnTokens(float[] logits, SamplingParams setting, int draws) {
        HostSampling sampling = new HostSampling(logits.length);
        Set<Integer> seen = new HashSet<>();
        for (int counter = 0; counter < draws; counter++) {
            seen.add(sampleOne(sampling, logits, plain(setting), 8, counter).tokenId(0));
        }
        return seen;
    }

    /** The token must be kept and u must fall in its interval of the cumulative distribution (in id order). */
    private static void assertInverseCdf(double[] p, int token, double u) {
        assertThat(p[token]).as("token %d is kept", token).isPositive();
        double before = 0;
        for (int t = 0; t < token; t++) {
            before += p[t];
        }
        assertThat(u).as("u for token %d", token).isBetween(before - 1e-6, before + p[token] + 1e-6);
    }

    private static Set<Integer> distinct(SampleOutput out, int row, int count) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(out.topTokenId(row, i));
        }
        return new HashSet<>(ids);
    }
}
