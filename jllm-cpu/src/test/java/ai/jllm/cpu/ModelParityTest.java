package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.config.ModelConfig;
import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.FinishReason;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.WeightSource;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole model on the CPU backend against Hugging Face transformers (float32 reference computed from the same
 * stored weights): prompt logits, decode-step logits through the paged cache, and greedy continuations, for every
 * architecture and feature the fixtures exercise (GQA/MQA, llama3 and linear rope scaling, biases, QK-norm,
 * explicit head_dim, sliding window, tied embeddings, f32/bf16/f16 storage).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelParityTest {

    /** Absolute logit tolerance: float32 math in a different summation order. */
    private static final float TOLERANCE = 1e-4f;
    private static final int BLOCK_SIZE = 16;

    private CpuBackend backend;

    @BeforeAll
    void startBackend() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    void stopBackend() {
        backend.close();
    }

    static List<String> models() {
        return GoldenModel.names();
    }

    @ParameterizedTest
    @MethodSource("models")
    void promptLogitsMatchTransformers(String name) {
        GoldenModel golden = GoldenModel.load(name);
        try (WeightSource weights = WeightSource.open(golden.dir())) {
            ModelConfig config = ModelConfig.load(golden.dir());
            DecoderModel model = model(config, weights, 64);
            for (int p = 0; p < golden.prompts().size(); p++) {
                int[] prompt = golden.prompts().get(p);
                KvCache cache = cache(config, 8);
                ForwardBatch batch = new ForwardBatch(64, 4, BLOCK_SIZE, 8, 64);
                batch.addSequence(prompt, 0, prompt.length, 0, blocks(0, 8), 8, ForwardBatch.Logits.ALL);
                float[] actual = logits(model, batch, cache, config);
                assertClose(actual, golden.logits("prompt." + p + ".logits"), name + " prompt " + p);
            }
        }
    }

    /** Decode one token at a time through the cache, feeding transformers' greedy tokens, after a chunked prefill. */
    @ParameterizedTest
    @MethodSource("models")
    void decodeLogitsMatchTransformers(String name) {
        GoldenModel golden = GoldenModel.load(name);
        try (WeightSource weights = WeightSource.open(golden.dir())) {
            ModelConfig config = ModelConfig.load(golden.dir());
            DecoderModel model = model(config, weights, 64);
            int p = golden.prompts().size() - 1;
            int[] prompt = golden.prompts().get(p);
            int[] greedy = golden.greedy().get(p);
            int[] tokens = IntStream.concat(IntStream.of(prompt), IntStream.of(greedy)).toArray();
            float[] expected = golden.logits("greedy." + p + ".logits");
            int vocab = config.vocabSize();
            KvCache cache = cache(config, 8);
            // Blocks out of order, so a wrong slot mapping cannot pass by accident.
            int[] table = {5, 2, 7, 0, 6, 1, 4, 3};
            ForwardBatch batch = new ForwardBatch(64, 4, BLOCK_SIZE, 8, 64);
            float[] last = null;
            for (int start = 0; start < prompt.length; start += 10) {
                int count = Math.min(10, prompt.length - start);
                batch.clear();
                boolean final_ = start + count == prompt.length;
                batch.addSequence(tokens, start, count, start, table, 8,
                        final_ ? ForwardBatch.Logits.LAST : ForwardBatch.Logits.NONE);
                last = logits(model, batch, cache, config);
            }
            assertClose(last, java.util.Arrays.copyOfRange(expected, 0, vocab), name + " after chunked prefill");
            for (int step = 1; step < greedy.length; step++) {
                int position = prompt.length + step - 1;
                batch.clear();
                batch.addSequence(tokens, position, 1, position, table, 8, ForwardBatch.Logits.LAST);
                float[] actual = logits(model, batch, cache, config);
                assertClose(actual, java.util.Arrays.copyOfRange(expected, step * vocab, (step + 1) * vocab),
                        name + " decode step " + step);
            }
        }
    }

    /** The engine end to end: all prompts batched together, chunked prefill, small blocks; greedy as transformers. */
    @ParameterizedTest
    @MethodSource("models")
    void greedyGenerationMatchesTransformers(String name) {
        GoldenModel golden = GoldenModel.load(name);
        SamplingParams params = SamplingParams.builder().greedy().maxTokens(golden.greedy().getFirst().length)
                .ignoreEos(true).build();
        List<LLM.Builder> configs = List.of(
                LLM.builder().maxBatchSize(4).maxNumTokens(64).maxSeqLen(128)
                        .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(16).withMaxTokens(512)),
                LLM.builder().maxBatchSize(2).maxNumTokens(8).maxSeqLen(128)
                        .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(4).withMaxTokens(200)));
        for (LLM.Builder config : configs) {
            try (LLM llm = config.model(golden.dir()).backend(backend).build()) {
                List<RequestOutput> outputs = llm.generateTokens(golden.prompts(), params);
                for (int p = 0; p < golden.prompts().size(); p++) {
                    CompletionOutput output = outputs.get(p).outputs().getFirst();
                    assertThat(output.tokenIds()).as(name + " prompt " + p).containsExactly(golden.greedy().get(p));
                    assertThat(output.finishReason()).contains(FinishReason.LENGTH);
                }
            }
        }
    }

    private DecoderModel model(ModelConfig config, WeightSource weights, int maxTokens) {
        return new DecoderModel(config, ModelLoader.load(config, new HfCheckpoint(weights, config), backend, l -> {}),
                backend, maxTokens, maxTokens, 256);
    }

    private KvCache cache(ModelConfig config, int blocks) {
        return backend.allocateKvCache(config.numLayers(), blocks, BLOCK_SIZE, config.numKeyValueHeads(),
                config.headDim());
    }

    private float[] logits(DecoderModel model, ForwardBatch batch, KvCache cache, ModelConfig config) {
        float[] host = new float[batch.numLogits() * config.vocabSize()];
        backend.copyToHost(model.forward(batch, cache), batch.numLogits(), host);
        return host;
    }

    private static int[] blocks(int first, int count) {
        return IntStream.range(first, first + count).toArray();
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
        float worst = 0;
        int worstIndex = 0;
        for (int i = 0; i < actual.length; i++) {
            float error = Math.abs(actual[i] - expected[i]);
            if (!(error <= worst)) {
                worst = error;
                worstIndex = i;
            }
        }
        assertThat(worst).as(what + ": largest error at " + worstIndex + " (actual " + actual[worstIndex]
                + ", transformers " + expected[worstIndex] + ")").isLessThanOrEqualTo(TOLERANCE);
    }
}
