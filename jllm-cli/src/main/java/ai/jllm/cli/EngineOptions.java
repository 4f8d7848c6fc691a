package ai.jllm.cli;

import ai.jllm.api.LLM;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.scheduler.SchedulerPolicy;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The engine options shared by the commands that run a model, named as in TensorRT-LLM. */
final class EngineOptions {

    @Option(names = "--backend", paramLabel = "BACKEND", defaultValue = "auto", converter = BackendConverter.class,
            description = "Where the model runs: cuda (GPU 0), cpu, or auto: the GPU when one is usable, else the CPU "
                    + "(default: ${DEFAULT-VALUE}).")
    BackendChoice backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "CPU backend threads; 0 means one per core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "8",
            description = "Sequences that run together in one step (default: ${DEFAULT-VALUE}; for an engine, its "
                    + "build limit, which is also the most it takes).")
    int maxBatchSize;

    @Option(names = "--max-num-tokens", paramLabel = "N", defaultValue = "2048",
            description = "Tokens one step may process, prompt chunks and decodes together (default: ${DEFAULT-VALUE};"
                    + " for an engine, its build limit, which is also the most it takes).")
    int maxNumTokens;

    @Option(names = "--max-seq-len", paramLabel = "N",
            description = "Prompt plus output tokens of one sequence (default: the model's max_position_embeddings, "
                    + "at most 4096; for an engine, its build limit, which is also the most it takes).")
    Integer maxSeqLen;

    @Option(names = "--kv-cache-free-gpu-memory-fraction", paramLabel = "F", defaultValue = "0.9",
            description = "Share of the memory left free after loading that the KV cache takes (on the CPU backend: "
                    + "of half the free Java heap) (default: ${DEFAULT-VALUE}).")
    double freeGpuMemoryFraction;

    @Option(names = "--kv-cache-max-tokens", paramLabel = "N",
            description = "At most this many tokens in the KV cache (default: no limit beyond memory).")
    Integer kvCacheMaxTokens;

    @Option(names = "--kv-cache-dtype", paramLabel = "DTYPE", converter = KvCacheDtypeConverter.class,
            description = "What the KV cache stores: auto (the activation type: bf16 on CUDA, float32 on the CPU), "
                    + "fp8 (E4M3) or int8, each with an fp32 scale per token and KV head, which holds about twice the "
                    + "tokens of bf16 in the same memory (default: an engine's kv_cache_dtype, else auto).")
    KvCacheDtype kvCacheDtype;

    @Option(names = "--tokens-per-block", paramLabel = "N", defaultValue = "32",
            description = "Tokens per KV-cache block (default: ${DEFAULT-VALUE}).")
    int tokensPerBlock;

    @Option(names = "--enable-block-reuse", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Reuse cached KV blocks of identical prompt prefixes across requests (default: on).")
    boolean enableBlockReuse;

    @Option(names = "--scheduler-policy", paramLabel = "POLICY", defaultValue = "guaranteed_no_evict",
            converter = PolicyConverter.class,
            description = "guaranteed_no_evict (admit a request only when its whole max_tokens fits) or "
                    + "max_utilization (admit greedily, preempt and recompute when full) (default: ${DEFAULT-VALUE}).")
    SchedulerPolicy policy;

    @Option(names = "--overlap", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Launch each decode step before the previous one's tokens are read, so that the host's "
                    + "bookkeeping runs while the device computes; results are the same (default: on).")
    boolean overlap;

    /** The command these options are mixed into, to tell limits the user gave from defaults. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * Applies these options to an LLM builder for {@code modelDir}. For a jllm engine the batch, token and sequence
     * limits the user did not give are left to the engine's build limits; elsewhere the defaults above apply.
     */
    LLM.Builder configure(LLM.Builder builder, Path modelDir) {
        KvCacheConfig kv = new KvCacheConfig(tokensPerBlock, freeGpuMemoryFraction,
                kvCacheMaxTokens == null ? OptionalInt.empty() : OptionalInt.of(kvCacheMaxTokens), enableBlockReuse);
        builder.kvCacheConfig(kv).schedulerPolicy(policy).overlap(overlap);
        if (kvCacheDtype != null) {
            builder.kvCacheDtype(kvCacheDtype);
        }
        boolean engine = EngineConfig.isEngine(modelDir);
        if (!engine || given("--max-batch-size")) {
            builder.maxBatchSize(maxBatchSize);
        }
        if (!engine) {
            builder.maxNumTokens(Math.max(maxNumTokens, maxBatchSize));
        } else if (given("--max-num-tokens")) {
            builder.maxNumTokens(maxNumTokens);
        }
        if (maxSeqLen != null) {
            builder.maxSeqLen(maxSeqLen);
        }
        return builder;
    }

    private boolean given(String option) {
        return command != null && command.commandLine() != null && command.commandLine().getParseResult() != null
                && command.commandLine().getParseResult().hasMatchedOption(option);
    }

    static final class BackendConverter implements ITypeConverter<BackendChoice> {
        @Override
        public BackendChoice convert(String value) {
            return BackendChoice.parse(value);
        }
    }

    static final class KvCacheDtypeConverter implements ITypeConverter<KvCacheDtype> {
        @Override
        public KvCacheDtype convert(String value) {
            return KvCacheDtype.parse(value);
        }
    }

    static final class PolicyConverter implements ITypeConverter<SchedulerPolicy> {
        @Override
        public SchedulerPolicy convert(String value) {
            return SchedulerPolicy.valueOf(value.toUpperCase(Locale.ROOT));
        }
    }
}
