package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.backend.Tensor;
import ai.jllm.sampling.HostSampling;
import ai.jllm.sampling.PenaltyTokens;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.sampling.SamplingParams;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CPU backend's sampling op, rows spread over threads, against the host reference run row by row. */
class CpuSamplingTest {

    private static final int VOCAB = 3000;
    private static final int ROWS = 37;

    private final CpuBackend backend = new CpuBackend(3);
    private final Random random = new Random(8);

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void everyRowMatchesTheHostReference() {
        float[] logits = new float[ROWS * VOCAB];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        float[] copy = logits.clone();
        Tensor tensor = backend.upload(logits, ROWS, VOCAB);
        PenaltyTokens penaltyTokens = new PenaltyTokens(VOCAB);
        for (int step = 0; step < 5; step++) {
            SamplingBatch batch = new SamplingBatch(ROWS + 3, VOCAB, 4 * (ROWS + 3), 40 * (ROWS + 3));
            for (int row = 0; row < ROWS + 3; row++) {
                SamplingParams params = SamplingParams.builder().temperature(row % 5 == 0 ? 0 : 0.5 + random.nextDouble())
                        .topK(1 + random.nextInt(200)).topP(0.5 + random.nextDouble() / 2).minP(random.nextDouble() / 10)
                        .repetitionPenalty(1 + random.nextDouble()).frequencyPenalty(random.nextDouble())
                        .logprobs(random.nextInt(SamplingParams.MAX_LOGPROBS + 1)).build();
                // The last three rows sample logits rows that others sample too, as n > 1 does.
                batch.addRow(row < ROWS ? row : random.nextInt(ROWS), params, random.nextLong(), step);
                for (int m = 0; m < 4; m++) {
                    batch.maskToken(random.nextInt(VOCAB));
                }
                int[] tokens = random.ints(40, 0, VOCAB).toArray();
                penaltyTokens.addEntries(batch, tokens, 20, 40);
            }
            SampleOutput parallel = new SampleOutput(ROWS + 3, SamplingParams.MAX_LOGPROBS);
            backend.sample(tensor, batch, parallel);
            SampleOutput serial = new SampleOutput(ROWS + 3, SamplingParams.MAX_LOGPROBS);
            new HostSampling(VOCAB).sample(copy, batch, serial);

            assertThat(parallel.tokenIds()).containsExactly(serial.tokenIds());
            assertThat(parallel.logprobs()).containsExactly(serial.logprobs());
            assertThat(parallel.ranks()).containsExactly(serial.ranks());
            assertThat(parallel.topTokenIds()).containsExactly(serial.topTokenIds());
            assertThat(parallel.topLogprobs()).containsExactly(serial.topLogprobs());
        }
        float[] after = new float[ROWS * VOCAB];
        backend.copyToHost(tensor, ROWS, after);
        assertThat(after).containsExactly(copy);
    }

    @Test
    void aBatchForAnotherVocabularyIsRefused() {
        Tensor tensor = backend.upload(new float[2 * VOCAB], 2, VOCAB);
        SamplingBatch batch = new SamplingBatch(1, VOCAB + 1, 0, 0);
        batch.addRow(0, SamplingParams.builder().build(), 1, 0);
        assertThatThrownBy(() -> backend.sample(tensor, batch, new SampleOutput(1, 0)))
                .hasMessageContaining("vocabulary of " + (VOCAB + 1));
    }
}
