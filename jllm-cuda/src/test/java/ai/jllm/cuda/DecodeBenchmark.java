package ai.jllm.cuda;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.config.ModelConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.WeightSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Batch-1 greedy decode on the GPU for a random-weight model of a real shape, against the memory-bandwidth roofline
 * measured in the same run: bytes read per token (every weight matrix once, the KV cache of the context) divided by
 * the device-to-device copy bandwidth (bytes read plus written).
 *
 * <p>Usage: {@code DecodeBenchmark SHAPE [STEPS] [PROMPT]} with SHAPE one of qwen2.5-0.5b, llama-3.2-1b. Writes the
 * model under java.io.tmpdir once; prints one summary line per figure.
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
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jllm-bench", shapeName);
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long start = System.nanoTime();
            shape(shapeName).write(dir, 7);
            System.out.printf("wrote %s in %.1f s%n", dir, (System.nanoTime() - start) / 1e9);
        }
        ModelConfig config = ModelConfig.load(dir);
        for (boolean graphs : new boolean[] {false, true}) {
            run(shapeName, dir, config, steps, promptLength, graphs);
        }
    }

    private static void run(String shapeName, Path dir, ModelConfig config, int steps, int promptLength,
                            boolean graphs) {
        int maxPositions = promptLength + steps + 16;
        try (CudaBackend backend = CudaBackend.create(0, graphs); WeightSource weights = WeightSource.open(dir)) {
            System.out.println(backend.description());
            double bandwidth = backend.copyBandwidth(1L << 30, 20);
            DecoderModel model = new DecoderModel(config, ModelLoader.load(config, new HfCheckpoint(weights, config),
                    backend, layer -> {}), backend, Math.max(promptLength, 1), 1, maxPositions);
            int blocks = (maxPositions + BLOCK_SIZE - 1) / BLOCK_SIZE;
            KvCache cache = backend.allocateKvCache(config.numLayers(), blocks, BLOCK_SIZE, config.numKeyValueHeads(),
                    config.headDim());
            int[] table = IntStream.range(0, blocks).toArray();
            int[] tokens = new int[maxPositions];
            for (int i = 0; i < promptLength; i++) {
                tokens[i] = (i * 7919) % config.vocabSize();
            }
            ForwardBatch batch = new ForwardBatch(Math.max(promptLength, 1), 1, BLOCK_SIZE, blocks, 1);
            float[] logits = new float[config.vocabSize()];

            long prefillStart = System.nanoTime();
            batch.addSequence(tokens, 0, promptLength, 0, table, blocks, ForwardBatch.Logits.LAST);
            backend.copyToHost(model.forward(batch, cache), 1, logits);
            double prefillSeconds = (System.nanoTime() - prefillStart) / 1e9;
            tokens[promptLength] = argmax(logits);

            int warmup = Math.min(16, steps / 4);
            long decodeStart = 0;
            for (int step = 0; step < steps; step++) {
                if (step == warmup) {
                    decodeStart = System.nanoTime();
                }
                int position = promptLength + step;
                batch.clear();
                batch.addSequence(tokens, position, 1, position, table, blocks, ForwardBatch.Logits.LAST);
                backend.copyToHost(model.forward(batch, cache), 1, logits);
                tokens[position + 1] = argmax(logits);
            }
            double seconds = (System.nanoTime() - decodeStart) / 1e9;
            int timed = steps - warmup;
            double tokensPerSecond = timed / seconds;
            double averageContext = promptLength + warmup + timed / 2.0;
            double bytesPerToken = weightBytes(config) + kvBytes(config, averageContext);
            double roofline = bandwidth / bytesPerToken;
            System.out.printf("copy bandwidth: %.0f GB/s (read + write)%n", bandwidth / 1e9);
            System.out.printf("prefill %d tokens (first, untimed warm-up included): %.1f ms%n", promptLength,
                    prefillSeconds * 1e3);
            System.out.printf("%s batch-1 decode (%s): %.0f tokens/s (%.3f ms/token over %d steps), %.2f GB read per token,"
                    + " roofline %.0f tokens/s, %.1f%% of roofline%n", shapeName, graphs ? "CUDA graphs" : "eager",
                    tokensPerSecond, 1e3 / tokensPerSecond,
                    timed, bytesPerToken / 1e9, roofline, 100 * tokensPerSecond / roofline);
        }
    }

    /** Every weight matrix read once per token in bf16 (the tied embedding counts once, as the lm_head). */
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

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
