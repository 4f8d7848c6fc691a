package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.config.ModelConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.WeightSource;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decode steps replayed from CUDA graphs recorded per batch-size bucket, against the same steps run eagerly: batches
 * of 1 to 6 sequences decode side by side, so 3 runs padded to 4 and 5 and 6 to 8, and the logits of every real row
 * must match the eager run's (within {@link #TOLERANCE}: the recorded attention splits its keys by capacity, the
 * eager one by the step's lengths, so float sums differ in order). One recording serves each bucket.
 */
@Tag("cuda")
class CudaDecodeGraphsTest {

    /** Normalized logits error between the recorded and the eager step. */
    static final double TOLERANCE = 1e-2;
    private static final int BLOCK_SIZE = 16;
    private static final int BLOCKS_PER_SEQUENCE = 4;
    private static final int MAX_SEQUENCES = 8;

    static List<String> models() {
        return GoldenFixture.names();
    }

    @ParameterizedTest
    @MethodSource("models")
    void paddedBucketsMatchEagerSteps(String name) {
        GoldenFixture golden = GoldenFixture.load(name);
        try (CudaBackend graphs = CudaBackend.create(0, true); CudaBackend eager = CudaBackend.create(0, false);
             WeightSource weights = WeightSource.open(golden.dir())) {
            ModelConfig config = ModelConfig.load(golden.dir());
            Run recorded = new Run(graphs, config, weights);
            Run plain = new Run(eager, config, weights);
            int[] prompt = golden.prompts().get(1);
            for (int sequences : new int[] {1, 2, 3, 4, 5, 6}) {
                recorded.prefill(prompt, sequences);
                plain.prefill(prompt, sequences);
                for (int step = 0; step < 4; step++) {
                    float[] expected = plain.decode(prompt.length + step, sequences);
                    float[] actual = recorded.decode(prompt.length + step, sequences);
                    int vocabulary = config.vocabSize();
                    for (int s = 0; s < sequences; s++) {
                        float[] a = Arrays.copyOfRange(actual, s * vocabulary, (s + 1) * vocabulary);
                        float[] e = Arrays.copyOfRange(expected, s * vocabulary, (s + 1) * vocabulary);
                        assertThat(DeviceTensors.relativeError(a, e, vocabulary)).as(name + ": " + sequences
                                + " sequences, step " + step + ", row " + s).isLessThanOrEqualTo(TOLERANCE);
                    }
                }
            }
            assertThat(graphs.recordedSteps()).as("recordings for the buckets 1, 2, 4 and 8").isEqualTo(4);
        }
    }

    /** One model on one backend, decoding up to {@link #MAX_SEQUENCES} copies of a prompt, each in its own blocks. */
    private static final class Run {
        private final CudaBackend backend;
        private final DecoderModel model;
        private final KvCache cache;
        private final ForwardBatch batch;
        private final int vocabulary;
        private final int[] tokens = new int[BLOCK_SIZE * BLOCKS_PER_SEQUENCE];

        Run(CudaBackend backend, ModelConfig config, WeightSource weights) {
            this.backend = backend;
            this.vocabulary = config.vocabSize();
            this.model = new DecoderModel(config, ModelLoader.load(config, new HfCheckpoint(weights, config), backend,
                    layer -> {}), backend, 128, MAX_SEQUENCES, BLOCK_SIZE * BLOCKS_PER_SEQUENCE);
            this.cache = backend.allocateKvCache(config.numLayers(), MAX_SEQUENCES * BLOCKS_PER_SEQUENCE, BLOCK_SIZE,
                    config.numKeyValueHeads(), config.headDim());
            this.batch = new ForwardBatch(128, MAX_SEQUENCES, BLOCK_SIZE, BLOCKS_PER_SEQUENCE, MAX_SEQUENCES);
        }

        private static int[] table(int sequence) {
            int[] table = new int[BLOCKS_PER_SEQUENCE];
            for (int b = 0; b < BLOCKS_PER_SEQUENCE; b++) {
                table[b] = (MAX_SEQUENCES - 1 - sequence) * BLOCKS_PER_SEQUENCE + b;
            }
            return table;
        }

        void prefill(int[] prompt, int sequences) {
            System.arraycopy(prompt, 0, tokens, 0, prompt.length);
            batch.clear();
            for (int s = 0; s < sequences; s++) {
                batch.addSequence(tokens, 0, prompt.length, 0, table(s), BLOCKS_PER_SEQUENCE, ForwardBatch.Logits.LAST);
            }
            model.forward(batch, cache);
        }

        /** Every sequence's next token is token (position % 97) (the same on both runs); returns the logits rows. */
        float[] decode(int position, int sequences) {
            tokens[position] = position % 97;
            batch.clear();
            for (int s = 0; s < sequences; s++) {
                batch.addSequence(tokens, position, 1, position, table(s), BLOCKS_PER_SEQUENCE,
                        ForwardBatch.Logits.LAST);
            }
            float[] logits = new float[sequences * vocabulary];
            backend.copyToHost(model.forward(batch, cache), sequences, logits);
            return logits;
        }
    }
}
