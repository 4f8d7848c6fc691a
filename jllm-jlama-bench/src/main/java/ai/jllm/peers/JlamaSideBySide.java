package ai.jllm.peers;

import ai.jllm.bench.BenchDataset;
import ai.jllm.bench.Distribution;
import ai.jllm.bench.MarkdownTable;
import ai.jllm.cli.Main;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * jllm and Jlama on the same random-weight Llama model, the same prompt token ids and the same number of threads, in
 * one process: first {@code jllm bench latency --backend cpu --batch-size 1} (through jllm's own command), then Jlama
 * greedy-decoding the same prompts through its public model API (batched prompt forward, then one forward and one
 * greedy sample per token, end-of-sequence ignored, as jllm's run does), then both figures and their ratio.
 *
 * <p>Usage: {@code JlamaSideBySide OUT_DIR [ISL] [OSL] [THREADS] [ITERATIONS]}. The model is written once under
 * OUT_DIR/model (a Llama-3-style shape of 0.4 B parameters with the real Llama 3 tokenizer, bf16);
 * OUT_DIR/side-by-side.json holds the figures.
 */
public final class JlamaSideBySide {

    /** Llama 3 layout at a size two CPU cores decode in reasonable time: 12 layers, GQA 16/4, untied lm_head. */
    static final RandomModel SHAPE = new RandomModel("LlamaForCausalLM", 128256, 1024, 4096, 12, 16, 4, 64, false,
            DType.BF16, 128000, List.of(128001));

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JlamaSideBySide() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/jlama-bench");
        int isl = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int osl = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        int iterations = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        Path model = ensureModel(out.resolve("model"));

        Path jllmJson = out.resolve("jllm-latency.json");
        int status = Main.run("bench", "latency", "--model", model.toString(), "--backend", "cpu", "--threads",
                String.valueOf(threads), "--batch-size", "1", "--isl", String.valueOf(isl), "--osl",
                String.valueOf(osl), "--iterations", String.valueOf(iterations), "--warmup", "1", "--seed", "0",
                "--output-json", jllmJson.toString());
        if (status != 0) {
            throw new IllegalStateException("jllm bench latency failed with status " + status);
        }
        JsonNode jllm = JSON.readTree(jllmJson.toFile());

        JlamaRun jlama = runJlama(model, isl, osl, threads, iterations);

        double jllmTokens = jllm.get("decode_tokens_per_s").asDouble();
        double jlamaTokens = 1e3 / jlama.decodeStepMillis().mean();
        MarkdownTable table = new MarkdownTable("engine", "decode tokens/s", "decode step ms p50", "prefill ms");
        table.row("jllm", MarkdownTable.figure(jllmTokens), MarkdownTable.figure(jllm.at("/decode_step_ms/p50")
                .asDouble()), MarkdownTable.figure(jllm.at("/prefill_ms/mean").asDouble()));
        table.row("Jlama " + jlamaVersion(), MarkdownTable.figure(jlamaTokens),
                MarkdownTable.figure(jlama.decodeStepMillis().p50()), MarkdownTable.figure(jlama.prefillMillis().mean()));
        System.out.print(table.render());
        System.out.printf(Locale.ROOT, "ratio (jllm / Jlama, decode tokens/s): %.2f%n", jllmTokens / jlamaTokens);

        ObjectNode result = JSON.createObjectNode();
        result.put("model", model.toString());
        result.put("isl", isl);
        result.put("osl", osl);
        result.put("threads", threads);
        result.put("jllm_decode_tokens_per_s", jllmTokens);
        result.put("jlama_decode_tokens_per_s", jlamaTokens);
        result.put("ratio", jllmTokens / jlamaTokens);
        result.set("jllm_prefill_ms", jllm.get("prefill_ms"));
        result.set("jlama_prefill_ms", jlama.prefillMillis().toJson(JSON));
        result.set("jllm_decode_step_ms", jllm.get("decode_step_ms"));
        result.set("jlama_decode_step_ms", jlama.decodeStepMillis().toJson(JSON));
        result.put("jlama_version", jlamaVersion());
        Files.writeString(out.resolve("side-by-side.json"), JSON.writeValueAsString(result) + "\n");
    }

    private record JlamaRun(Distribution prefillMillis, Distribution decodeStepMillis) {}

    /**
     * The prompts of jllm's run (its synthetic prompts for seeds 0 … iterations, seed 0 the warm-up), decoded greedily
     * by Jlama, each on a fresh KV buffer.
     */
    private static JlamaRun runJlama(Path model, int isl, int osl, int threads, int iterations) {
        AbstractModel jlama = ModelSupport.loadModel(model.toFile(), null,
                com.github.tjake.jlama.safetensors.DType.F32, com.github.tjake.jlama.safetensors.DType.I8,
                Optional.empty(), Optional.of(threads));
        int vocab = jlama.getConfig().vocabularySize;
        List<Double> prefill = new ArrayList<>();
        List<Double> steps = new ArrayList<>();
        try (AbstractTensor logits = jlama.makeDenseTensor(vocab)) {
            for (int iteration = 0; iteration <= iterations; iteration++) {
                int[] prompt = BenchDataset.synthetic(1, isl, osl, vocab, iteration).getFirst().promptTokenIds()
                        .orElseThrow();
                KvBufferCache cache = new KvBufferCache(jlama);
                try (KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID())) {
                    long start = System.nanoTime();
                    AbstractTensor last = jlama.batchForward(prompt, 0, kv);
                    int next = jlama.sample(last.slice(last.shape().first() - 1), 0f, 0f, logits);
                    last.close();
                    long prefillEnd = System.nanoTime();
                    List<Double> iterationSteps = new ArrayList<>();
                    for (int position = isl; position < isl + osl - 1; position++) {
                        long stepStart = System.nanoTime();
                        AbstractTensor output = jlama.forward(next, position, kv, Optional.empty());
                        next = jlama.sample(output, 0f, 0f, logits);
                        output.close();
                        iterationSteps.add((System.nanoTime() - stepStart) / 1e6);
                    }
                    if (iteration > 0) {
                        prefill.add((prefillEnd - start) / 1e6);
                        steps.addAll(iterationSteps);
                    }
                } finally {
                    cache.close();
                }
            }
        }
        return new JlamaRun(Distribution.of(prefill.stream().mapToDouble(Double::doubleValue).toArray()),
                Distribution.of(steps.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    private static Path ensureModel(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        SHAPE.write(dir, 11);
        // Jlama picks its model class by config.json's model_type, which transformers always writes.
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("model_type", "llama");
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        Path tokenizers = Path.of(System.getProperty("jllm.tokenizers.dir", "target/tokenizers"), "llama3");
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(tokenizers.resolve(file), dir.resolve(file));
        }
        return dir;
    }

    /** The Jlama release on the class path, from the pom.properties Maven packs into its jar. */
    private static String jlamaVersion() {
        try (var stream = AbstractModel.class.getResourceAsStream(
                "/META-INF/maven/com.github.tjake/jlama-core/pom.properties")) {
            Properties properties = new Properties();
            if (stream != null) {
                properties.load(stream);
            }
            return properties.getProperty("version", "(unknown version)");
        } catch (IOException e) {
            return "(unknown version)";
        }
    }
}
