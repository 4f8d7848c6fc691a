package ai.jllm.config;

import ai.jllm.JllmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code quantization_config} of a pre-quantized Hugging Face checkpoint that jllm loads: 4-bit GPTQ (AutoGPTQ /
 * GPTQModel, with or without act-order) and 4-bit AWQ in AutoAWQ's GEMM layout. Anything else is refused by name,
 * since loading it as dense weights would fail later with a less useful message.
 *
 * @param groupSize         input columns per scale; empty for one group per row (GPTQ's {@code group_size: -1})
 * @param descAct           GPTQ act-order: columns were quantized in a permuted order recorded by {@code g_idx}
 * @param zeroPointMinusOne GPTQ's original checkpoint format stores each zero point minus one
 */
public record HfQuantizationConfig(Method method, int bits, OptionalInt groupSize, boolean descAct,
                                   boolean zeroPointMinusOne) {

    public enum Method {
        GPTQ("gptq"), AWQ("awq");

        private final String configName;

        Method(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    /** Reads {@code modelDir/config.json}'s {@code quantization_config}; empty for a checkpoint that has none. */
    public static Optional<HfQuantizationConfig> load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return parse(JsonFields.load(file, modelDir));
    }

    /** Parses the {@code quantization_config} of a config.json text; {@code sourceName} names it in errors. */
    public static Optional<HfQuantizationConfig> parse(String json, String sourceName) {
        return parse(JsonFields.parse(json, sourceName));
    }

    static Optional<HfQuantizationConfig> parse(JsonFields config) {
        Optional<JsonFields> section = config.optionalObject("quantization_config");
        if (section.isEmpty()) {
            return Optional.empty();
        }
        JsonFields q = section.get();
        String methodName = q.optionalString("quant_method").orElseThrow(() -> q.invalid("quant_method",
                "is missing; jllm loads gptq and awq checkpoints"));
        Method method = switch (methodName.toLowerCase(Locale.ROOT)) {
            case "gptq" -> Method.GPTQ;
            case "awq" -> Method.AWQ;
            default -> throw q.invalid("quant_method", "is '" + methodName
                    + "'; jllm loads gptq and awq checkpoints (or build an engine from the unquantized model with "
                    + "--quantization int8_weight_only or int4_weight_only)");
        };
        int bits = q.optionalInt(method == Method.AWQ && !q.has("bits") ? "w_bit" : "bits")
                .orElseThrow(() -> q.invalid("bits", "is missing"));
        if (bits != 4) {
            throw q.invalid("bits", "is " + bits + "; jllm loads 4-bit " + method.configName() + " checkpoints");
        }
        int group = q.optionalInt(method == Method.AWQ && !q.has("group_size") ? "q_group_size" : "group_size")
                .orElse(-1);
        if (group == 0 || group < -1) {
            throw q.invalid("group_size", "must be positive or -1, got " + group);
        }
        OptionalInt groupSize = group == -1 ? OptionalInt.empty() : OptionalInt.of(group);
        return Optional.of(switch (method) {
            case GPTQ -> gptq(q, groupSize);
            case AWQ -> awq(q, groupSize);
        });
    }

    private static HfQuantizationConfig gptq(JsonFields q, OptionalInt groupSize) {
        String format = q.optionalString("checkpoint_format").orElse("gptq");
        boolean minusOne = switch (format) {
            case "gptq" -> true;
            case "gptq_v2" -> false;
            default -> throw q.invalid("checkpoint_format", "is '" + format + "'; jllm loads gptq and gptq_v2");
        };
        if (q.booleanOr("lm_head", false)) {
            throw q.invalid("lm_head", "is true; jllm loads GPTQ checkpoints whose lm_head is not quantized");
        }
        return new HfQuantizationConfig(Method.GPTQ, 4, groupSize, q.booleanOr("desc_act", false), minusOne);
    }

    private static HfQuantizationConfig awq(JsonFields q, OptionalInt groupSize) {
        String version = q.optionalString("version").orElse("gemm");
        if (!version.equalsIgnoreCase("gemm")) {
            throw q.invalid("version", "is '" + version + "'; jllm loads AWQ checkpoints in the GEMM layout");
        }
        if (!q.booleanOr("zero_point", true)) {
            throw q.invalid("zero_point", "is false; jllm loads AWQ checkpoints with zero points");
        }
        return new HfQuantizationConfig(Method.AWQ, 4, groupSize, false, false);
    }

    /** The group size for a layer of {@code inFeatures} inputs. */
    public int groupSizeFor(int inFeatures) {
        return groupSize.orElse(inFeatures);
    }
}
