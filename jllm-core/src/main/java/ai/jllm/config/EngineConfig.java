package ai.jllm.config;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code jllm build} made of a model: the {@value #KEY} section of an engine directory's config.json. The rest of
 * that file is the model's own Hugging Face config (so every reader of config.json works on an engine too), with
 * {@code torch_dtype} set to the engine's dtype and any {@code quantization_config} removed: the weights are in
 * jllm's layout now, described here.
 *
 * <p>The format leaves room for what the GPU round adds: {@code kv_cache_dtype} already names {@code fp8} and
 * {@code int8}; an engine that uses them is refused by a jllm that cannot run them, by name. {@code fp8} weights load;
 * backends without FP8 matrix products refuse them.
 *
 * @param formatVersion the layout of the rank files; a jllm reads only the versions it knows
 * @param dtype         the floating-point type of the dense weights (embedding, lm_head, unquantized linears)
 * @param tpSize        tensor-parallel ranks, one {@code rank{N}.safetensors} each
 * @param ppSize        pipeline stages (1 until pipeline parallelism exists)
 */
public record EngineConfig(int formatVersion, String jllmVersion, DType dtype, Quantization quantization,
                           KvCacheDtype kvCacheDtype, BuildLimits limits, int tpSize, int ppSize) {

    /** The key of this section in config.json; its presence is what makes a directory an engine. */
    public static final String KEY = "jllm_engine";
    public static final int FORMAT_VERSION = 1;

    /** The engine dtypes: the weight types both backends read. */
    private static final List<DType> DTYPES = List.of(DType.BF16, DType.F16, DType.F32);

    /** How the linear weights were quantized, and from what. */
    public enum QuantMethod {
        /** Not quantized. */
        NONE("none"),
        /** Round-to-nearest by {@code jllm build}. */
        RTN("rtn"),
        /** Repacked from a GPTQ checkpoint. */
        GPTQ("gptq"),
        /** Repacked from an AWQ checkpoint. */
        AWQ("awq");

        private final String configName;

        QuantMethod(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        static QuantMethod parse(JsonFields fields, String field, String name) {
            for (QuantMethod method : values()) {
                if (method.configName.equals(name)) {
                    return method;
                }
            }
            throw fields.invalid(field, "is '" + name + "' (expected none, rtn, gptq or awq)");
        }
    }

    /**
     * @param groupSize input columns per scale (int4 only)
     */
    public record Quantization(QuantScheme scheme, OptionalInt groupSize, QuantMethod method) {

        public static final Quantization NONE = new Quantization(QuantScheme.NONE, OptionalInt.empty(),
                QuantMethod.NONE);

        public Quantization {
            Objects.requireNonNull(scheme, "scheme");
            Objects.requireNonNull(groupSize, "groupSize");
            Objects.requireNonNull(method, "method");
            if ((scheme == QuantScheme.INT4_WEIGHT_ONLY) != groupSize.isPresent()) {
                throw new IllegalArgumentException("int4 weights, and only they, have a group size");
            }
        }

        /** A short description for logs: "int4_weight_only (group 128, gptq)". */
        public String describe() {
            if (!scheme.isQuantized()) {
                return scheme.optionName();
            }
            return scheme.optionName() + " (" + (groupSize.isPresent() ? "group " + groupSize.getAsInt() + ", " : "")
                    + method.configName() + ")";
        }
    }

    public EngineConfig {
        Objects.requireNonNull(jllmVersion, "jllmVersion");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(quantization, "quantization");
        Objects.requireNonNull(kvCacheDtype, "kvCacheDtype");
        Objects.requireNonNull(limits, "limits");
        if (!DTYPES.contains(dtype)) {
            throw new IllegalArgumentException("engine dtype must be bfloat16, float16 or float32, not " + dtype);
        }
        if (tpSize < 1 || ppSize < 1) {
            throw new IllegalArgumentException("tp_size and pp_size must be positive");
        }
    }

    /** Whether {@code dir} holds an engine: a config.json with a {@value #KEY} section. */
    public static boolean isEngine(Path dir) {
        Path file = dir.resolve("config.json");
        return Files.isRegularFile(file) && JsonFields.load(file, dir).has(KEY);
    }

    /** Reads the {@value #KEY} section of {@code engineDir/config.json}. */
    public static EngineConfig load(Path engineDir) {
        Path file = engineDir.resolve("config.json");
        return parse(JsonFields.load(file, engineDir));
    }

    /** Parses the section out of a config.json text; {@code sourceName} names it in errors. */
    public static EngineConfig parse(String json, String sourceName) {
        return parse(JsonFields.parse(json, sourceName));
    }

    static EngineConfig parse(JsonFields config) {
        JsonFields engine = config.optionalObject(KEY).orElseThrow(() -> new JllmException(config.source()
                + " has no '" + KEY + "' section: it is not a jllm engine (build one with jllm build)"));
        int version = engine.requiredInt("format_version");
        if (version != FORMAT_VERSION) {
            throw engine.invalid("format_version", "is " + version + ", but this jllm reads engine format "
                    + FORMAT_VERSION + "; rebuild the engine with this jllm");
        }
        String dtypeName = engine.optionalString("dtype").orElseThrow(() -> engine.invalid("dtype", "is missing"));
        DType dtype;
        try {
            dtype = DType.fromTorchDtype(dtypeName);
        } catch (JllmException e) {
            throw engine.invalid("dtype", "is '" + dtypeName + "' (expected bfloat16, float16 or float32)");
        }
        if (!DTYPES.contains(dtype)) {
            throw engine.invalid("dtype", "is '" + dtypeName + "' (expected bfloat16, float16 or float32)");
        }
        JsonFields q = engine.optionalObject("quantization")
                .orElseThrow(() -> engine.invalid("quantization", "is missing"));
        QuantScheme scheme = parseScheme(q);
        OptionalInt groupSize = q.optionalInt("group_size");
        if (scheme == QuantScheme.INT4_WEIGHT_ONLY && (groupSize.isEmpty() || groupSize.getAsInt() <= 0)) {
            throw q.invalid("group_size", "must be a positive number for int4_weight_only");
        }
        if (scheme != QuantScheme.INT4_WEIGHT_ONLY && groupSize.isPresent()) {
            throw q.invalid("group_size", "is set, but only int4_weight_only has groups");
        }
        QuantMethod method = QuantMethod.parse(q, "method", q.optionalString("method").orElse(
                scheme.isQuantized() ? "rtn" : "none"));
        KvCacheDtype kvCacheDtype;
        try {
            kvCacheDtype = KvCacheDtype.parse(engine.optionalString("kv_cache_dtype").orElse("auto"));
        } catch (JllmException e) {
            throw engine.invalid("kv_cache_dtype", e.getMessage());
        }
        JsonFields build = engine.optionalObject("build").orElseThrow(() -> engine.invalid("build", "is missing"));
        BuildLimits limits;
        try {
            limits = new BuildLimits(build.requiredInt("max_batch_size"), build.requiredInt("max_seq_len"),
                    build.requiredInt("max_num_tokens"));
        } catch (JllmException e) {
            throw new JllmException(config.source() + ": '" + KEY + ".build': " + e.getMessage(), e);
        }
        JsonFields mapping = engine.optionalObject("mapping")
                .orElseThrow(() -> engine.invalid("mapping", "is missing"));
        int tp = mapping.requiredInt("tp_size");
        int pp = mapping.intOr("pp_size", 1);
        if (tp < 1) {
            throw mapping.invalid("tp_size", "must be positive, got " + tp);
        }
        if (pp != 1) {
            throw mapping.invalid("pp_size", "is " + pp + ", but pipeline parallelism is not supported");
        }
        return new EngineConfig(version, engine.optionalString("jllm_version").orElse("unknown"), dtype,
                new Quantization(scheme, groupSize, method), kvCacheDtype, limits, tp, pp);
    }

    private static QuantScheme parseScheme(JsonFields q) {
        String name = q.optionalString("scheme").orElseThrow(() -> q.invalid("scheme", "is missing"));
        try {
            return QuantScheme.parse(name);
        } catch (JllmException e) {
            throw q.invalid("scheme", "is '" + name + "' (expected " + QuantScheme.names() + ")");
        }
    }

    /** This section as JSON, for config.json. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("format_version", formatVersion);
        node.put("jllm_version", jllmVersion);
        node.put("dtype", dtype.torchName());
        ObjectNode q = node.putObject("quantization");
        q.put("scheme", quantization.scheme().optionName());
        quantization.groupSize().ifPresent(size -> q.put("group_size", size));
        q.put("method", quantization.method().configName());
        node.put("kv_cache_dtype", kvCacheDtype.optionName());
        ObjectNode build = node.putObject("build");
        build.put("max_batch_size", limits.maxBatchSize());
        build.put("max_seq_len", limits.maxSeqLen());
        build.put("max_num_tokens", limits.maxNumTokens());
        ObjectNode mapping = node.putObject("mapping");
        mapping.put("tp_size", tpSize);
        mapping.put("pp_size", ppSize);
        mapping.put("world_size", tpSize * ppSize);
        return node;
    }

    /** The rank file of tensor-parallel rank {@code rank}. */
    public static String rankFileName(int rank) {
        return "rank" + rank + ".safetensors";
    }

    /** One line for logs: "int4_weight_only (group 128, rtn), bfloat16, tp 1, built for batch 256 / seq 8192". */
    public String describe() {
        return quantization.describe() + ", " + dtype.torchName() + ", tp " + tpSize + ", built for batch "
                + limits.maxBatchSize() + " / seq " + limits.maxSeqLen() + " / " + limits.maxNumTokens()
                + " tokens per step";
    }

    /** The jllm version of this build, from the jar manifest ("dev" when run from classes). */
    public static String currentJllmVersion() {
        return Optional.ofNullable(EngineConfig.class.getPackage().getImplementationVersion()).orElse("dev");
    }
}
