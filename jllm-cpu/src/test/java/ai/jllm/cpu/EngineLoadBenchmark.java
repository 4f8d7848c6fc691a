package ai.jllm.cpu;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.model.ModelWeights;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.ModelCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load time of a Qwen2.5-0.5B-shaped random model on the CPU backend: from its Hugging Face directory (bfloat16,
 * float16, and a 4-bit GPTQ one when scripts/bench-engine-load.sh could write it) against the engines
 * {@code jllm build} makes of them, in one process, rounds alternating between the directories, median of each.
 * Three figures per directory: "place" (open, map, validate and place every weight on the backend), "first token"
 * (place, then one decode step, which touches every weight: on the CPU weights are read in place, so this is where
 * the pages of the mapping are faulted in), and the time of a batch-1 decode step once loaded (what the quantized
 * kernels buy). Files stay in the page cache between rounds, as on a server that restarts.
 * Run with scripts/bench-engine-load.sh.
 */
public final class EngineLoadBenchmark {

    private static final int ROUNDS = 7;
    private static final int DECODE_STEPS = 16;

    private EngineLoadBenchmark() {}

    public static void main(String[] args) {
        Path root = Path.of(args.length > 0 ? args[0] : "target/bench-engine-load");
        int threads = Runtime.getRuntime().availableProcessors();
        Map<String, Path> models = new LinkedHashMap<>();
        for (DType dtype : List.of(DType.BF16, DType.F16)) {
            Path hf = root.resolve("hf-" + dtype.torchName());
            if (!Files.exists(hf.resolve("config.json"))) {
                long start = System.nanoTime();
                new RandomModel("Qwen2ForCausalLM", 151936, 896, 4864, 24, 14, 2, 64, true, dtype, 151643,
                        List.of(151645)).write(hf, 7);
                System.err.printf(Locale.ROOT, "wrote %s in %.1f s%n", hf, seconds(start));
            }
            models.put("HF directory, " + dtype.torchName(), hf);
        }
        Path gptq = root.resolve("hf-gptq");
        boolean withGptq = Files.exists(gptq.resolve("config.json"));
        if (withGptq) {
            models.put("HF directory, GPTQ int4 (g128)", gptq);
        }
        record Build(String name, Path source, BuildOptions options) {}
        List<Build> builds = new ArrayList<>(List.of(
                new Build("engine, bfloat16", models.get("HF directory, bfloat16"), BuildOptions.builder().build()),
                new Build("engine, bfloat16 from float16", models.get("HF directory, float16"),
                        BuildOptions.builder().dtype(DType.BF16).build()),
                new Build("engine, int8_weight_only", models.get("HF directory, bfloat16"),
                        BuildOptions.builder().quantization(QuantScheme.INT8_WEIGHT_ONLY).build()),
                new Build("engine, int4_weight_only (g128)", models.get("HF directory, bfloat16"),
                        BuildOptions.builder().quantization(QuantScheme.INT4_WEIGHT_ONLY).build())));
        if (withGptq) {
            // bfloat16 for the dense rest: the CPU reads it in place, while float16 (the checkpoint's) is widened.
            builds.add(new Build("engine from GPTQ, bfloat16", gptq, BuildOptions.builder().dtype(DType.BF16).build()));
        }
        for (Build build : builds) {
            Path engine = root.resolve(build.name().replaceAll("[^a-z0-9]+", "-"));
            // Built once and reused: an engine measured right after it is written would pay for its writeback.
            if (!Files.exists(engine.resolve("config.json"))) {
                long start = System.nanoTime();
                EngineBuilder.build(build.source(), engine, build.options(), BuildListener.NONE);
                System.err.printf(Locale.ROOT, "built %s in %.1f s%n", build.name(), seconds(start));
            }
            models.put(build.name(), engine);
        }
        Map<String, List<Double>> place = new LinkedHashMap<>();
        Map<String, List<Double>> firstToken = new LinkedHashMap<>();
        Map<String, List<Double>> decode = new LinkedHashMap<>();
        List<Map.Entry<String, Path>> order = new ArrayList<>(models.entrySet());
        for (int round = 0; round < ROUNDS + 1; round++) {
            // Each round starts one model later, so no model always follows the same one (a load after a
            // float16 load runs while the memory of its float32 copies is being given back).
            java.util.Collections.rotate(order, 1);
            for (Map.Entry<String, Path> model : order) {
                // A backend per load: it owns the float32 copies it makes of float16 weights until it is closed.
                double[] times;
                try (CpuBackend backend = new CpuBackend(threads)) {
                    times = load(backend, model.getValue());
                }
                System.gc(); // frees the native memory of repacked GPTQ weights before the next load
                if (round > 0) { // the first round warms the JIT and the page cache
                    place.computeIfAbsent(model.getKey(), k -> new ArrayList<>()).add(times[0]);
                    firstToken.computeIfAbsent(model.getKey(), k -> new ArrayList<>()).add(times[1]);
                    decode.computeIfAbsent(model.getKey(), k -> new ArrayList<>()).add(times[2]);
                }
            }
        }
        double hfPlace = median(place.get("HF directory, bfloat16"));
        double hfFirst = median(firstToken.get("HF directory, bfloat16"));
        System.out.printf("CPU backend, %d threads, Qwen2.5-0.5B shape (24 layers, hidden 896, vocab 151936), "
                + "median of %d rounds%n%n", threads, ROUNDS);
        System.out.println("| model | place weights (ms) | vs HF bf16 | place + first token (ms) | vs HF bf16 "
                + "| decode step, batch 1 (ms) |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (String name : models.keySet()) {
            double p = median(place.get(name));
            double f = median(firstToken.get(name));
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.2fx | %.1f | %.2fx | %.1f |%n", name, p, hfPlace / p, f,
                    hfFirst / f, median(decode.get(name)));
        }
    }

    /** [place ms, place + one decode step ms, ms per decode step after that] */
    private static double[] load(CpuBackend backend, Path dir) {
        long start = System.nanoTime();
        try (ModelCheckpoint checkpoint = ModelCheckpoint.open(dir)) {
            ModelConfig config = checkpoint.modelConfig();
            ModelWeights weights = ModelLoader.load(config, checkpoint.layout(), backend, layers -> {});
            double placed = millis(start);
            DecoderModel model = new DecoderModel(config, weights, backend, 1, 1, 32);
            KvCache cache = backend.allocateKvCache(config.numLayers(), 2, 16, config.numKeyValueHeads(),
                    config.headDim());
            ForwardBatch batch = new ForwardBatch(1, 1, 16, 2, 1);
            float[] logits = new float[config.vocabSize()];
            int[] tokens = new int[DECODE_STEPS + 1];
            tokens[0] = 9707;
            double first = 0;
            long decodeStart = 0;
            for (int position = 0; position <= DECODE_STEPS; position++) {
                batch.clear();
                batch.addSequence(tokens, position, 1, position, new int[] {0, 1}, 2, ForwardBatch.Logits.LAST);
                backend.copyToHost(model.forward(batch, cache), 1, logits);
                if (position == 0) {
                    first = millis(start);
                    decodeStart = System.nanoTime();
                }
                if (position < DECODE_STEPS) {
                    tokens[position + 1] = argmax(logits);
                }
            }
            return new double[] {placed, first, millis(decodeStart) / DECODE_STEPS};
        }
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

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double millis(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
