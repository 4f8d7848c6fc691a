package ai.jllm.cuda;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.Tensor;
import ai.jllm.config.ModelConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.WeightSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Greedy decode on the GPU (forward step plus the sampling op, as the engine runs it) for a random-weight model of a
 * real shape, against the memory-bandwidth roofline measured in the same run: bytes read per step (every weight matrix
 * once, the KV cache of every sequence's context) divided by the device-to-device copy bandwidth (bytes read plus
 * written).
 *
 * <p>Usage: {@code DecodeBenchmark SHAPE [STEPS] [PROMPT] [BATCH]} with SHAPE one of qwen2.5-0.5b, llama-3.2-1b;
 * BATCH sequences (default 1) decode in lockstep. Writes the model under java.io.tmpdir once; prints one summary line
 * per figure.
 */
public final class DecodeBenchmark {

    private static final int BLOCK_SIZE = 16;

    private DecodeBenchmark() {}

    static RandomModel shape(String name) {
        return switch (name) {
            case "qwen2.5-0.5b" -> new RandomModel("Qwen2ForCausalLM", 151936, 896, 4864, 24, 14, 2, 64, true,
                    DType.BF16, 151643, List.of(151645));
            case "llama-3.2-1b" -> new RandomModel("LlamaForCausalLM", 128256, 2048, 8192, 16, 32, 8, 64, true,
                    DType.BF16, 128000, List.of(128001));
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    public static void main(String[] args) throws Exception {
        String shapeName = args.length > 0 ? args[0] : "qwen2.5-0.5b";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int promptLength = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int sequences = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jllm-bench", shapeName);
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long start = System.nanoTime();
            shape(shapeName).write(dir, 7);
            System.out.printf("wrote %s in %.1f s%n", dir, (System.nanoTime() - start) / 1e9);
        }
        ModelConfig config = ModelConfig.load(dir);
        for (boolean graphs : new boolean[] {false, true}) {
            run(shapeName, dir, config, steps, promptLength, sequences, graphs);
        }
    }

    private static void run(String shapeName, Path dir, ModelConfig config, int steps, int promptLength,
                            int sequences, boolean graphs) {
        int maxPositions = promptLength + steps + 16;
        try (CudaBackend backend = CudaBackend.create(0, graphs); WeightSource weights = WeightSource.open(dir)) {
            System.out.println(backend.description());
            double bandwidth = backend.copyBandwidth(1L << 30, 20);
            int maxTokens = Math.max(promptLength, 1) * sequences;
            DecoderModel model = new DecoderModel(config, ModelLoader.load(config, new HfCheckpoint(weights, config),
                    backend, layer -> {}), backend, maxTokens, sequences, maxPositions);
            int blocks = (maxPositions + BLOCK_SIZE - 1) / BLOCK_SIZE;
            KvCache cache = backend.allocateKvCache(config.numLayers(), blocks * sequences, BLOCK_SIZE,
                    config.numKeyValueHeads(), config.headDim());
            int[][] tables = new int[sequences][];
            int[][] tokens = new int[sequences][maxPositions];
            for (int s = 0; s < sequences; s++) {
                tables[s] = IntStream.range(s * blocks, (s + 1) * blocks).toArray();
                for (int i = 0; i < promptLength; i++) {
                    tokens[s][i] = (i * 7919 + s * 104729) % config.vocabSize();
                }
            }
            ForwardBatch batch = new ForwardBatch(maxTokens, sequences, BLOCK_SIZE, blocks, sequences);
            SamplingBatch sampling = new SamplingBatch(sequences, config.vocabSize(), 0, 0);
            SampleOutput sampled = new SampleOutput(sequences, 0);
            SamplingParams greedy = SamplingParams.builder().greedy().build();

            long prefillStart = System.nanoTime();
            for (int s = 0; s < sequences; s++) {
                batch.addSequence(tokens[s], 0, promptLength, 0, tables[s], blocks, ForwardBatch.Logits.LAST);
            }
            sample(backend, model.forward(batch, cache), sampling, sampled, greedy, tokens, promptLength);
            double prefillSeconds = (System.nanoTime() - prefillStart) / 1e9;

            int warmup = Math.min(16, steps / 4);
            long decodeStart = 0;
            for (int step = 0; step < steps; step++) {
                if (step == warmup) {
                    decodeStart = System.nanoTime();
                }
                int position = promptLength + step;
                batch.clear();
                for (int s = 0; s < sequences; s++) {
                    batch.addSequence(tokens[s], position, 1, position, tables[s], blocks, ForwardBatch.Logits.LAST);
                }
                sample(backend, model.forward(batch, cache), sampling, sampled, greedy, tokens, position + 1);
            }
            double seconds = (System.nanoTime() - decodeStart) / 1e9;
            double forwardMillis = forwardAlone(backend, model, batch, cache, 64);
            int timed = steps - warmup;
            double tokensPerSecond = (double) timed * sequences / seconds;
            double averageContext = promptLength + warmup + timed / 2.0;
            double bytesPerStep = weightBytes(config) + sequences * kvBytes(config, averageContext);
            double roofline = sequences * bandwidth / bytesPerStep;
            System.out.printf("copy bandwidth: %.0f GB/s (read + write)%n", bandwidth / 1e9);
            System.out.printf("prefill %d x %d tokens (first, untimed warm-up included): %.1f ms%n", sequences,
                    promptLength, prefillSeconds * 1e3);
            System.out.printf("%s batch-%d decode (%s): %.0f tokens/s (%.3f ms/step over %d steps), %.2f GB read per "
                    + "step, roofline %.0f tokens/s, %.1f%% of roofline%n", shapeName, sequences,
                    graphs ? "CUDA graphs" : "eager", tokensPerSecond, 1e3 * seconds / timed, timed,
                    bytesPerStep / 1e9, roofline, 100 * tokensPerSecond / roofline);
            System.out.printf("%s batch-%d forward alone (%s, back to back, CUDA events): %.3f ms/step, %.0f tokens/s, "
                    + "%.1f%% of roofline%n", shapeName, sequences, graphs ? "CUDA graphs" : "eager", forwardMillis,
                    sequences * 1e3 / forwardMillis, 100 * sequences * 1e3 / forwardMillis / roofline);
        }
    }

    /**
     * GPU time of the last decode step's forward alone, run {@code repeats} times back to back (no sampling, so the
     * host never waits for the device between steps), timed with CUDA events. Rewrites the same cache slots.
     */
    private static double forwardAlone(CudaBackend backend, DecoderModel model, ForwardBatch batch, KvCache cache,
                                       int repeats) {
        CudaDriver driver = backend.driver();
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            backend.synchronize();
            driver.eventRecord(start, backend.stream());
            for (int i = 0; i < repeats; i++) {
                model.forward(batch, cache);
            }
            driver.eventRecord(end, backend.stream());
            driver.eventSynchronize(end);
            return driver.eventElapsedMillis(start, end) / repeats;
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
        }
    }

    /** Greedy tokens for every sequence through the backend's sampling op, written at {@code position}. */
    private static void sample(CudaBackend backend, Tensor logits, SamplingBatch sampling, SampleOutput sampled,
                               SamplingParams greedy, int[][] tokens, int position) {
        sampling.clear();
        for (int s = 0; s < tokens.length; s++) {
            sampling.addRow(s, greedy, 0, position);
        }
        backend.sample(logits, sampling, sampled);
        for (int s = 0; s < tokens.length; s++) {
            tokens[s][position] = sampled.tokenId(s);
        }
    }

    /** Every weight matrix read once per step in bf16 (the tied embedding counts once, as the lm_head). */
    static double weightBytes(ModelConfig config) {
        long hidden = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long perLayer = hidden * (q + 2 * kv) + q * hidden + 3 * hidden * config.intermediateSize();
        return 2.0 * (perLayer * config.numLayers() + (long) config.vocabSize() * hidden);
    }

    /** Keys and values of {@code context} positions in every layer, bf16. */
    static double kvBytes(ModelConfig config, double context) {
        return 2.0 * 2 * config.numLayers() * config.numKeyValueHeads() * config.headDim() * context;
    }
}
