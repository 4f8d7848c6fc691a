package ai.jllm.testing;

import ai.jllm.tensor.DType;
import ai.jllm.weights.SafetensorsWriter;
import ai.jllm.weights.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Hugging Face model directory with random weights in the real layout (config.json,
 * generation_config.json, model.safetensors), for tests and benchmarks that need a model of a given shape but not
 * a trained one. Parity with transformers is tested on fixtures made by transformers itself, not on these.
 */
public record RandomModel(String architecture, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                          int numHeads, int numKvHeads, int headDim, boolean tieEmbeddings, DType dtype,
                          int bosTokenId, List<Integer> eosTokenIds) {

    /** A tiny Llama with the given vocabulary (to pair with a real tokenizer). */
    public static RandomModel tinyLlama(int vocabSize, int bos, List<Integer> eos) {
        return new RandomModel("LlamaForCausalLM", vocabSize, 64, 128, 2, 4, 2, 16, false, DType.BF16, bos, eos);
    }

    public Path write(Path dir, long seed) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), configJson());
            Files.writeString(dir.resolve("generation_config.json"),
                    "{\"bos_token_id\": " + bosTokenId + ", \"eos_token_id\": " + eosTokenIds + "}\n");
            Map<String, long[]> shapes = tensorShapes();
            List<TensorSpec> specs = new ArrayList<>();
            shapes.forEach((name, shape) -> specs.add(new TensorSpec(name, dtype, shape)));
            SplittableRandom random = new SplittableRandom(seed);
            try (SafetensorsWriter writer = SafetensorsWriter.create(dir.resolve("model.safetensors"), specs);
                 Arena arena = Arena.ofConfined()) {
                for (TensorSpec spec : specs) {
                    boolean norm = spec.name().endsWith("norm.weight");
                    double scale = norm ? 0.1 : 1.5 / Math.sqrt(spec.shape()[spec.shape().length - 1]);
                    writer.write(spec.name(), randomData(arena, spec, random, norm ? 1.0 : 0.0, scale));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, long[]> tensorShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long q = (long) numHeads * headDim;
        long kv = (long) numKvHeads * headDim;
        shapes.put("model.embed_tokens.weight", new long[] {vocabSize, hiddenSize});
        for (int i = 0; i < numLayers; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {hiddenSize});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {q, hiddenSize});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, hiddenSize});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, hiddenSize});
            if (architecture.equals("Qwen2ForCausalLM")) {
                shapes.put(p + "self_attn.q_proj.bias", new long[] {q});
                shapes.put(p + "self_attn.k_proj.bias", new long[] {kv});
                shapes.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            if (architecture.equals("Qwen3ForCausalLM")) {
                shapes.put(p + "self_attn.q_norm.weight", new long[] {headDim});
                shapes.put(p + "self_attn.k_norm.weight", new long[] {headDim});
            }
            shapes.put(p + "self_attn.o_proj.weight", new long[] {hiddenSize, q});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {hiddenSize});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {intermediateSize, hiddenSize});
            shapes.put(p + "mlp.up_proj.weight", new long[] {intermediateSize, hiddenSize});
            shapes.put(p + "mlp.down_proj.weight", new long[] {hiddenSize, intermediateSize});
        }
        shapes.put("model.norm.weight", new long[] {hiddenSize});
        if (!tieEmbeddings) {
            shapes.put("lm_head.weight", new long[] {vocabSize, hiddenSize});
        }
        return shapes;
    }

    private String configJson() {
        String dtypeName = switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalArgumentException("random models are F32, BF16 or F16");
        };
        return """
                {
                  "architectures": ["%s"],
                  "vocab_size": %d,
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "num_key_value_heads": %d,
                  "head_dim": %d,
                  "hidden_act": "silu",
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "max_position_embeddings": 4096,
                  "tie_word_embeddings": %s,
                  "bos_token_id": %d,
                  "eos_token_id": %s,
                  "torch_dtype": "%s"
                }
                """.formatted(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                headDim, tieEmbeddings, bosTokenId, eosTokenIds, dtypeName);
    }

    private static MemorySegment randomData(Arena arena, TensorSpec spec, SplittableRandom random, double mean,
                                            double scale) {
        long count = spec.elementCount();
        MemorySegment data = arena.allocate(spec.byteSize());
        for (long i = 0; i < count; i++) {
            float value = (float) (mean + scale * (random.nextDouble() * 2 - 1) * 1.7320508);
            switch (spec.dtype()) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i,
                        (short) (Float.floatToRawIntBits(value) >>> 16));
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(value));
                default -> throw new IllegalArgumentException(spec.dtype().toString());
            }
        }
        return data;
    }
}
