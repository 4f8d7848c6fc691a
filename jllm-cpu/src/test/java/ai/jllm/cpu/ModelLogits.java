package ai.jllm.cpu;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.config.ModelConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.weights.ModelCheckpoint;
import java.nio.file.Path;
import java.util.stream.IntStream;

/** The logits of every position of a prompt, computed on the CPU from a model directory or an engine directory. */
final class ModelLogits {

    private static final int BLOCK_SIZE = 16;

    private ModelLogits() {}

    /** logits: [prompt.length, V] */
    static float[] of(CpuBackend backend, Path dir, int[] prompt) {
        return of(backend, dir, prompt, KvCacheDtype.AUTO);
    }

    /** logits: [prompt.length, V], with the prompt's keys and values in a cache of {@code kvDtype} */
    static float[] of(CpuBackend backend, Path dir, int[] prompt, KvCacheDtype kvDtype) {
        try (ModelCheckpoint checkpoint = ModelCheckpoint.open(dir)) {
            ModelConfig config = checkpoint.modelConfig();
            int tokens = prompt.length;
            DecoderModel model = new DecoderModel(config, ModelLoader.load(config, checkpoint.layout(), backend,
                    layers -> {}), backend, tokens, tokens, 256);
            int blocks = Math.ceilDiv(tokens, BLOCK_SIZE);
            KvCache cache = backend.allocateKvCache(config.numLayers(), blocks, BLOCK_SIZE,
                    config.numKeyValueHeads(), config.headDim(), kvDtype);
            ForwardBatch batch = new ForwardBatch(tokens, 1, BLOCK_SIZE, blocks, tokens);
            batch.addSequence(prompt, 0, tokens, 0, IntStream.range(0, blocks).toArray(), blocks,
                    ForwardBatch.Logits.ALL);
            float[] logits = new float[tokens * config.vocabSize()];
            backend.copyToHost(model.forward(batch, cache), tokens, logits);
            return logits;
        }
    }

    /** max_i |actual[i] - expected[i]| */
    static float maxAbsoluteError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError(actual.length + " logits, expected " + expected.length);
        }
        float worst = 0f;
        for (int i = 0; i < expected.length; i++) {
            float error = Math.abs(actual[i] - expected[i]);
            if (!(error <= worst)) {
                worst = error;
            }
        }
        return worst;
    }

    /** ||actual - expected|| / ||expected|| */
    static double relativeError(float[] actual, float[] expected) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            difference += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(difference / norm);
    }

    /** The share of positions whose most likely next token is the same in both. */
    static double top1Agreement(float[] actual, float[] expected, int vocab) {
        int rows = expected.length / vocab;
        int same = 0;
        for (int r = 0; r < rows; r++) {
            if (argmax(actual, r * vocab, vocab) == argmax(expected, r * vocab, vocab)) {
                same++;
            }
        }
        return (double) same / rows;
    }

    private static int argmax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
