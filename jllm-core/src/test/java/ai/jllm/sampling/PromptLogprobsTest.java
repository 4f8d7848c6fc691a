package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PromptLogprobsTest {

    private static final int VOCAB = 120;

    private final Random random = new Random(11);

    @Test
    void eachPositionGivesTheNextPromptTokensLogSoftmaxRankAndTop() {
        int[] prompt = randomTokens(9);
        float[] logits = randomLogits(prompt.length);
        logits[3 * VOCAB + 7] = logits[3 * VOCAB + 8]; // a tie inside the top entries of position 3
        logits[3 * VOCAB + 8] = 50f;
        logits[3 * VOCAB + 7] = 50f;
        List<TokenLogprobs> result = PromptLogprobs.compute(logits, VOCAB, prompt, 0, prompt.length, 4);
        // The last position predicts the first output token, not a prompt token.
        assertThat(result).hasSize(prompt.length - 1);
        for (int p = 0; p < prompt.length - 1; p++) {
            float[] row = java.util.Arrays.copyOfRange(logits, p * VOCAB, (p + 1) * VOCAB);
            double[] expected = NaiveSampling.logSoftmax(row);
            int next = prompt[p + 1];
            TokenLogprobs entry = result.get(p);
            assertThat(entry.token().tokenId()).isEqualTo(next);
            assertThat((double) entry.token().logprob()).isCloseTo(expected[next], within(1e-5));
            int rank = 0;
            for (float logit : row) {
                rank += logit >= row[next] ? 1 : 0;
            }
            assertThat(entry.token().rank()).isEqualTo(rank);
            List<Integer> order = new ArrayList<>();
            for (int t = 0; t < VOCAB; t++) {
                order.add(t);
            }
            order.sort((a, b) -> row[a] != row[b] ? Float.compare(row[b], row[a]) : a - b);
            for (int i = 0; i < 4; i++) {
                Logprob top = entry.top().get(i);
                assertThat(top.tokenId()).isEqualTo(order.get(i));
                assertThat((double) top.logprob()).isCloseTo(expected[order.get(i)], within(1e-5));
                assertThat(top.rank()).isEqualTo(i + 1);
            }
        }
        assertThat(result.get(3).top().get(0).tokenId()).isEqualTo(7);
        assertThat(result.get(3).top().get(1).tokenId()).isEqualTo(8);
    }

    @Test
    void chunksGiveWhatTheWholePromptGives() {
        int[] prompt = randomTokens(11);
        float[] logits = randomLogits(prompt.length);
        List<TokenLogprobs> whole = PromptLogprobs.compute(logits, VOCAB, prompt, 0, prompt.length, 2);
        List<TokenLogprobs> chunked = new ArrayList<>();
        int[] chunkSizes = {4, 3, 4};
        int first = 0;
        for (int size : chunkSizes) {
            float[] chunk = java.util.Arrays.copyOfRange(logits, first * VOCAB, (first + size) * VOCAB);
            chunked.addAll(PromptLogprobs.compute(chunk, VOCAB, prompt, first, size, 2));
            first += size;
        }
        assertThat(chunked).isEqualTo(whole);
    }

    @Test
    void aOneTokenPromptHasNoPromptLogprobs() {
        assertThat(PromptLogprobs.compute(randomLogits(1), VOCAB, new int[] {5}, 0, 1, 3)).isEmpty();
    }

    private int[] randomTokens(int length) {
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = random.nextInt(VOCAB);
        }
        return tokens;
    }

    private float[] randomLogits(int rows) {
        float[] logits = new float[rows * VOCAB];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        return logits;
    }
}
