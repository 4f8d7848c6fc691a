package ai.jllm.cpu;

import ai.jllm.tensor.DType;
import ai.jllm.weights.SafetensorsFile;
import ai.jllm.weights.SafetensorsWriter;
import ai.jllm.weights.TensorSpec;
import ai.jllm.weights.TensorView;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny GPTQ or AWQ checkpoint written by scripts/golden/make_quant_fixtures.py (numpy, packed as AutoGPTQ/AutoAWQ
 * pack), and the dense model it stands for: every quantized projection dequantized here from the fixture's
 * natural-order codes, zero points, scales and column groups, {@code W[o, i] = scale[g, o] * (code[o, i] - zero[g, o])}
 * with {@code g = group[i]}, in float32.
 */
record QuantFixture(String name, Path dir) {

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static List<String> names() {
        return List.of("gptq-llama", "gptq-act-order-qwen2", "awq-llama");
    }

    static QuantFixture load(String name) {
        URL url = QuantFixture.class.getClassLoader().getResource("quant/" + name + "/config.json");
        if (url == null) {
            throw new IllegalStateException("test resource quant/" + name + " is missing; run "
                    + "scripts/golden/make_quant_fixtures.py");
        }
        try {
            return new QuantFixture(name, Path.of(url.toURI()).getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the dense float32 twin into {@code target} (config.json without quantization_config) and returns it. */
    Path writeDequantized(Path target) {
        try {
            Files.createDirectories(target);
            ObjectMapper json = new ObjectMapper();
            ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
            config.remove("quantization_config");
            config.put("torch_dtype", "float32");
            Files.writeString(target.resolve("config.json"), json.writeValueAsString(config));
            Files.copy(dir.resolve("generation_config.json"), target.resolve("generation_config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SafetensorsFile model = SafetensorsFile.open(dir.resolve("model.safetensors"));
             SafetensorsFile reference = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String tensor : model.names()) {
                if (!tensor.endsWith(".qweight") && !tensor.endsWith(".qzeros") && !tensor.endsWith(".scales")
                        && !tensor.endsWith(".g_idx")) {
                    tensors.put(tensor, model.tensor(tensor).toFloatArray());
                    shapes.put(tensor, model.tensor(tensor).shape());
                }
            }
            for (String tensor : reference.names()) {
                if (tensor.endsWith(".codes")) {
                    String prefix = tensor.substring(0, tensor.length() - ".codes".length());
                    TensorView codes = reference.tensor(tensor);
                    tensors.put(prefix + ".weight", dequantize(codes, reference.tensor(prefix + ".zero"),
                            reference.tensor(prefix + ".scale"), reference.tensor(prefix + ".group")));
                    shapes.put(prefix + ".weight", codes.shape());
                }
            }
            List<TensorSpec> specs = new ArrayList<>();
            shapes.forEach((tensor, shape) -> specs.add(new TensorSpec(tensor, DType.F32, shape)));
            try (SafetensorsWriter writer = SafetensorsWriter.create(target.resolve("model.safetensors"), specs)) {
                for (TensorSpec spec : specs) {
                    writer.write(spec.name(), MemorySegment.ofArray(tensors.get(spec.name())));
                }
            }
        }
        return target;
    }

    private static float[] dequantize(TensorView codes, TensorView zeros, TensorView scales, TensorView groups) {
        int out = Math.toIntExact(codes.dim(0));
        int in = Math.toIntExact(codes.dim(1));
        float[] scale = scales.toFloatArray();
        float[] weight = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int group = groups.data().getAtIndex(I32, i);
                int code = codes.data().get(ValueLayout.JAVA_BYTE, (long) o * in + i) & 0xFF;
                int zero = zeros.data().get(ValueLayout.JAVA_BYTE, (long) group * out + o) & 0xFF;
                weight[o * in + i] = scale[group * out + o] * (code - zero);
            }
        }
        return weight;
    }
}
