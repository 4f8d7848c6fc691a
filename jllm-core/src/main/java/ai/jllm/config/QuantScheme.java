package ai.jllm.config;

import ai.jllm.JllmException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** How an engine's linear-layer weights are stored, named as {@code jllm build --quantization} takes them. */
public enum QuantScheme {
    /** The engine's dtype (bfloat16, float16 or float32). */
    NONE("none"),
    /** W8A16: int8 weights with one symmetric scale per output channel. */
    INT8_WEIGHT_ONLY("int8_weight_only"),
    /** W4A16: int4 weights with a scale and a zero point per group of input columns. */
    INT4_WEIGHT_ONLY("int4_weight_only"),
    /** FP8 (E4M3) weights with per-channel scales, activations quantized per token: the CUDA backend, sm_89+. */
    FP8("fp8");

    private final String optionName;

    QuantScheme(String optionName) {
        this.optionName = optionName;
    }

    /** The name users type and config.json stores, e.g. {@code "int8_weight_only"}. */
    public String optionName() {
        return optionName;
    }

    public boolean isQuantized() {
        return this != NONE;
    }

    public static QuantScheme parse(String name) {
        for (QuantScheme scheme : values()) {
            if (scheme.optionName.equals(name)) {
                return scheme;
            }
        }
        throw new JllmException("unknown quantization '" + name + "' (choose " + names() + ")");
    }

    static String names() {
        return Arrays.stream(values()).map(QuantScheme::optionName).collect(Collectors.joining(", "));
    }
}
