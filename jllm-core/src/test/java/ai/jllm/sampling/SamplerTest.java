package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 0.5f, 3.0f, -2.0f, 2.0f};

    @Test
    void greedyTakesTheFirstLargestLogitLikeTorchArgmax() {
        Sampler sampler = new Sampler(LOGITS.length);
        assertThat(sampler.sample(LOGITS, 0, SamplingParams.builder().greedy().build(), 1, 0)).isEqualTo(1);
        assertThat(sampler.sample(LOGITS, 0, SamplingParams.builder().topK(1).build(), 1, 0)).isEqualTo(1);
    }

    @Test
    void samplesFollowTheSoftmaxOfTheTemperatureScaledLogits() {
        double temperature = 0.7;
        int draws = 60_000;
        int[] counts = histogram(SamplingParams.builder().temperature(temperature).build(), draws);
        double[] expected = softmax(LOGITS, temperature);
        for (int i = 0; i < LOGITS.length; i++) {
            assertThat((double) counts[i] / draws).as("token %d", i).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(0.01));
        }
    }

    @Test
    void topKKeepsOnlyTheKMostLikelyTokensTiesIncluded() {
        int[] counts = histogram(SamplingParams.builder().topK(2).build(), 5_000);
        // Tokens 1 and 3 tie at the top; nothing else may appear.
        assertThat(counts[1] + counts[3]).isEqualTo(5_000);
        assertThat(counts[1]).isBetween(2_250, 2_750);
    }

    @Test
    void topPKeepsTheSmallestMostLikelySetReachingP() {
        double[] p = softmax(LOGITS, 1.0);
        // The two tokens at 3.0 hold p[1] + p[3]; asking for slightly less must keep exactly them.
        double topP = p[1] + p[3] - 0.01;
        int[] counts = histogram(SamplingParams.builder().topP(topP).build(), 5_000);
        assertThat(counts[1] + counts[3]).isEqualTo(5_000);
        // Asking for a little more adds the next one (token 5), and only it.
        int[] wider = histogram(SamplingParams.builder().topP(p[1] + p[3] + 0.01).build(), 20_000);
        assertThat(wider[0] + wider[2] + wider[4]).isZero();
        assertThat(wider[5]).isPositive();
    }

    @Test
    void suppressedTokensAreNeverSampled() {
        float[] logits = LOGITS.clone();
        logits[1] = Float.NEGATIVE_INFINITY;
        logits[3] = Float.NEGATIVE_INFINITY;
        Sampler sampler = new Sampler(logits.length);
        for (int counter = 0; counter < 2_000; counter++) {
            int token = sampler.sample(logits, 0, SamplingParams.builder().build(), 3, counter);
            assertThat(token).isNotIn(1, 3);
        }
    }

    @Test
    void theSameSeedAndCounterGiveTheSameToken() {
        Sampler sampler = new Sampler(LOGITS.length);
        SamplingParams params = SamplingParams.builder().temperature(1.3).topP(0.9).build();
        for (int counter = 0; counter < 100; counter++) {
            assertThat(sampler.sample(LOGITS, 0, params, 99, counter))
                    .isEqualTo(new Sampler(LOGITS.length).sample(LOGITS, 0, params, 99, counter));
        }
    }

    @Test
    void parametersAreValidated() {
        assertThatThrownBy(() -> SamplingParams.builder().temperature(-1).build()).hasMessageContaining("temperature");
        assertThatThrownBy(() -> SamplingParams.builder().topP(0).build()).hasMessageContaining("top_p");
        assertThatThrownBy(() -> SamplingParams.builder().topK(0).build()).hasMessageContaining("top_k");
        assertThatThrownBy(() -> SamplingParams.builder().maxTokens(0).build()).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> SamplingParams.builder().maxTokens(2).minTokens(3).build())
                .hasMessageContaining("min_tokens");
    }

    private static int[] histogram(SamplingParams params, int draws) {
        Sampler sampler = new Sampler(LOGITS.length);
        int[] counts = new int[LOGITS.length];
        for (int counter = 0; counter < draws; counter++) {
            counts[sampler.sample(LOGITS, 0, params, 12345, counter)]++;
        }
        return counts;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / temperature);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }
}
