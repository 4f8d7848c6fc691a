package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.ModelCheckpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole int8 and int4 engines ({@code jllm build --quantization ...} through {@link EngineBuilder}, random models)
 * on the CUDA backend against the CPU backend on the same engine. Both read the same codes, scales and zero points;
 * the GPU computes in bf16 (activations, and the dequantized weights of its prefill products), the CPU in float32, so
 * the criteria are {@link CudaModelParityTest}'s bf16 ones:
 * <ul>
 *   <li>teacher-forced logits (a 24-token prefill through dequantize + cuBLASLt, then 10 decode steps through the
 *       fused dequantize-GEMV, replayed from CUDA graphs after the first) within {@link #LOGITS_TOLERANCE} normalized
 *       error per row;</li>
 *   <li>greedy generation through the engine (three prompts batched): the CPU's tokens up to the first step whose
 *       CPU top-2 margin is below {@link CudaModelParityTest#NEAR_TIE}.</li>
 * </ul>
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaQuantizedModelTest {

    /** bf16 against float32 logits, as in {@link CudaModelParityTest}. */
    static final double LOGITS_TOLERANCE = 0.08;
    private static final int VOCAB = 1000;
    private static final int BLOCK_SIZE = 16;
    private static final int PROMPT = 24;
    private static final int STEPS = 10;

    private CudaBackend cuda;
    private CpuBackend cpu;

    @BeforeAll
    void start() {
        cpu = new CpuBackend(4);
        cuda = CudaBackend.create();
    }

    @AfterAll
    void stop() {
        if (cuda != null) {
            cuda.close();
        }
        cpu.close();
    }

    @ParameterizedTest(name = "{0}, {1}, groups of {2}")
    @CsvSource({"LlamaForCausalLM,INT8_WEIGHT_ONLY,0", "Qwen2ForCausalLM,INT8_WEIGHT_ONLY,0",
        "LlamaForCausalLM,INT4_WEIGHT_ONLY,128", "Qwen2ForCausalLM,INT4_WEIGHT_ONLY,32"})
    void quantizedEngineMatchesTheCpu(String architecture, QuantScheme scheme, int groupSize, @TempDir Path dir) {
        RandomModel shape = new RandomModel(architecture, VOCAB, 256, 512, 3, 4, 2, 64, true, DType.BF16, 1,
                List.of(2));
        Path source = shape.write(dir.resolve("hf"), 11);
        BuildOptions.Builder options = BuildOptions.builder().quantization(scheme);
        if (groupSize > 0) {
            options.groupSize(groupSize);
        }
        Path engine = dir.resolve("engine");
        EngineBuilder.build(source, engine, options.build(), BuildListener.NONE);

        SplittableRandom random = new SplittableRandom(groupSize + scheme.ordinal());
        double worst = 0;
        for (int p = 0; p < 2; p++) {
            int[] tokens = random.ints(PROMPT + STEPS, 0, VOCAB).toArray();
            float[] expected = teacherForcedLogits(cpu, engine, tokens);
            float[] actual = teacherForcedLogits(cuda, engine, tokens);
            for (int row = 0; row <= STEPS; row++) {
                double error = DeviceTensors.relativeError(Arrays.copyOfRange(actual, row * VOCAB, (row + 1) * VOCAB),
                        Arrays.copyOfRange(expected, row * VOCAB, (row + 1) * VOCAB), VOCAB);
                assertThat(error).as("sequence " + p + (row == 0 ? " prefill" : " decode step " + row)
                        + ": normalized logits error").isLessThanOrEqualTo(LOGITS_TOLERANCE);
                worst = Math.max(worst, error);
            }
        }
        assertThat(cuda.recordedSteps()).as("decode steps replayed from a CUDA graph").isPositive();

        List<int[]> prompts = List.of(random.ints(9, 0, VOCAB).toArray(), random.ints(17, 0, VOCAB).toArray(),
                random.ints(5, 0, VOCAB).toArray());
        List<RequestOutput> cpuTokens = greedy(cpu, engine, prompts);
        List<RequestOutput> cudaTokens = greedy(cuda, engine, prompts);
        int agreeing = 0;
        int total = 0;
        for (int p = 0; p < prompts.size(); p++) {
            int[] expected = cpuTokens.get(p).outputs().getFirst().tokenIds();
            int[] actual = cudaTokens.get(p).outputs().getFirst().tokenIds();
            assertThat(actual).hasSize(expected.length);
            int[] path = IntStream.concat(IntStream.of(prompts.get(p)), IntStream.of(expected)).toArray();
            float[] reference = teacherForcedLogits(cpu, engine, path, prompts.get(p).length);
            int decisive = 0;
            while (decisive < expected.length && topTwoMargin(Arrays.copyOfRange(reference, decisive * VOCAB,
                    (decisive + 1) * VOCAB)) >= CudaModelParityTest.NEAR_TIE) {
                decisive++;
            }
            assertThat(Arrays.copyOf(actual, decisive)).as("prompt " + p + ": greedy tokens before the first near-tie"
                    + " (step " + decisive + ")").containsExactly(Arrays.copyOf(expected, decisive));
            for (int i = 0; i < expected.length; i++) {
                total++;
                agreeing += actual[i] == expected[i] ? 1 : 0;
            }
        }
        System.out.printf("%s %s: worst normalized logits error %.4f; greedy %d/%d tokens as the CPU%n", architecture,
                scheme.optionName() + (groupSize > 0 ? " g" + groupSize : ""), worst, agreeing, total);
    }

    private float[] teacherForcedLogits(Backend backend, Path engine, int[] tokens) {
        return teacherForcedLogits(backend, engine, tokens, PROMPT);
    }

    /**
     * The logits after the prompt (one prefill step) and after each later token fed one decode step at a time.
     * logits: [1 + tokens.length - promptLength, V] (the last token's logits included)
     */
    private static float[] teacherForcedLogits(Backend backend, Path engine, int[] tokens, int promptLength) {
        try (ModelCheckpoint checkpoint = ModelCheckpoint.open(engine)) {
            ModelConfig config = checkpoint.modelConfig();
            DecoderModel model = new DecoderModel(config, ModelLoader.load(config, checkpoint.layout(), backend,
                    layers -> {}), backend, 64, 64, 256);
            KvCache cache = backend.allocateKvCache(config.numLayers(), 8, BLOCK_SIZE, config.numKeyValueHeads(),
                    config.headDim());
            int[] table = {3, 1, 4, 0, 2, 5, 7, 6};
            ForwardBatch batch = new ForwardBatch(64, 4, BLOCK_SIZE, 8, 64);
            int rows = tokens.length - promptLength + 1;
            float[] logits = new float[rows * config.vocabSize()];
            float[] row = new float[config.vocabSize()];
            for (int r = 0; r < rows; r++) {
                batch.clear();
                int start = r == 0 ? 0 : promptLength + r - 1;
                int count = r == 0 ? promptLength : 1;
                batch.addSequence(tokens, start, count, start, table, 8, ForwardBatch.Logits.LAST);
                backend.copyToHost(model.forward(batch, cache), 1, row);
                System.arraycopy(row, 0, logits, r * config.vocabSize(), config.vocabSize());
            }
            return logits;
        }
    }

    private static List<RequestOutput> greedy(Backend backend, Path engine, List<int[]> prompts) {
        SamplingParams params = SamplingParams.builder().greedy().maxTokens(12).ignoreEos(true).build();
        try (LLM llm = LLM.builder().maxBatchSize(4).maxNumTokens(64).maxSeqLen(128)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(BLOCK_SIZE).withMaxTokens(512))
                .model(engine).backend(backend).build()) {
            return llm.generateTokens(prompts, params);
        }
    }

    private static double topTwoMargin(float[] values) {
        float first = Float.NEGATIVE_INFINITY;
        float second = Float.NEGATIVE_INFINITY;
        for (float value : values) {
            if (value > first) {
                second = first;
                first = value;
            } else if (value > second) {
                second = value;
            }
        }
        return first - second;
    }
}
