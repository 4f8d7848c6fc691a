package ai.jllm.api;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.backend.KvCache;
import ai.jllm.config.BuildLimits;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.GenerationConfig;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.config.ModelConfig;
import ai.jllm.engine.EngineCore;
import ai.jllm.engine.Executor;
import ai.jllm.engine.IterationStats;
import ai.jllm.engine.ModelRunner;
import ai.jllm.engine.RequestHandle;
import ai.jllm.hub.DownloadListener;
import ai.jllm.hub.HubConfig;
import ai.jllm.hub.ModelLocator;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.kvcache.KvCacheManager;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.model.ModelWeights;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.scheduler.Scheduler;
import ai.jllm.scheduler.SchedulerConfig;
import ai.jllm.scheduler.SchedulerPolicy;
import ai.jllm.template.ChatTemplate;
import ai.jllm.tokenizer.Tokenizer;
import ai.jllm.weights.ModelCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The Java entry point, the counterpart of TensorRT-LLM's {@code LLM} class:
 * <pre>{@code
 * try (LLM llm = LLM.builder().model("Qwen/Qwen2.5-0.5B-Instruct").backend(new CpuBackend()).build()) {
 *     List<RequestOutput> outputs = llm.generate(List.of("Hello"), SamplingParams.builder().maxTokens(32).build());
 * }
 * }</pre>
 * Requests from any number of threads run together on one engine thread with in-flight batching.
 */
public final class LLM implements AutoCloseable {

    private final ModelConfig modelConfig;
    private final Optional<Tokenizer> tokenizer;
    private final Path modelDir;
    private final ModelCheckpoint checkpoint;
    private final EngineCore core;
    private final Executor executor;
    private final KvCache cache;
    private final AtomicLong requestIds = new AtomicLong();
    private final Duration shutdownGrace;
    private volatile ChatTemplate chatTemplate;

    private LLM(Builder builder) {
        Backend backend = Objects.requireNonNull(builder.backend, "a backend is required: builder.backend(...)");
        this.modelDir = ModelLocator.resolve(Objects.requireNonNull(builder.model, "a model is required"),
                builder.hubConfig, builder.downloadListener);
        GenerationConfig generationConfig = GenerationConfig.load(modelDir);
        this.tokenizer = Files.isRegularFile(modelDir.resolve("tokenizer.json"))
                ? Optional.of(Tokenizer.load(modelDir)) : Optional.empty();
        this.checkpoint = ModelCheckpoint.open(modelDir);
        try {
            this.modelConfig = checkpoint.modelConfig();
            SchedulerConfig schedulerConfig = schedulerConfig(builder, checkpoint.engineConfig());
            int maxSeqLen = schedulerConfig.maxSeqLen();
            ModelWeights modelWeights = ModelLoader.load(modelConfig, checkpoint.layout(), backend,
                    builder.layerListener);
            DecoderModel model = new DecoderModel(modelConfig, modelWeights, backend,
                    schedulerConfig.maxNumTokens(), schedulerConfig.maxLogitsRows(), maxSeqLen);
            KvCacheConfig kvConfig = builder.kvCacheConfig;
            if (kvConfig.maxTokens().isEmpty()) {
                // Room for every sequence at full length twice over (the rest for prefix reuse): more cannot be
                // used by running sequences and would only take memory from the host or other processes.
                long useful = 2L * schedulerConfig.maxBatchSize() * maxSeqLen;
                kvConfig = kvConfig.withMaxTokens((int) Math.min(useful, KvCacheConfig.MAX_CACHE_TOKENS));
            }
            // The runtime's choice, else the engine's, else the activation type.
            KvCacheDtype kvDtype = builder.kvCacheDtype.orElseGet(() -> checkpoint.engineConfig()
                    .map(EngineConfig::kvCacheDtype).orElse(KvCacheDtype.AUTO));
            long bytesPerToken = KvCacheConfig.bytesPerToken(modelConfig.numLayers(), modelConfig.numKeyValueHeads(),
                    modelConfig.headDim(), kvDtype.elementBytes(backend.activationType()), kvDtype.scaleBytesPerHead());
            int numBlocks = kvConfig.numBlocks(backend.availableMemory(), bytesPerToken);
            this.cache = backend.allocateKvCache(modelConfig.numLayers(), numBlocks, kvConfig.blockSize(),
                    modelConfig.numKeyValueHeads(), modelConfig.headDim(), kvDtype);
            KvCacheManager kv = new KvCacheManager(kvConfig, numBlocks);
            ModelRunner runner = new ModelRunner(backend, model, cache, schedulerConfig.maxNumTokens(),
                    schedulerConfig.maxBatchSize(), schedulerConfig.maxLogitsRows(), kvConfig.blocksFor(maxSeqLen));
            this.core = new EngineCore(runner, new Scheduler(schedulerConfig, kv), tokenizer, generationConfig,
                    builder.overlap);
            this.executor = new Executor(core, builder.maxQueueSize, builder.statsListener);
            this.shutdownGrace = builder.shutdownGrace;
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * The scheduler's limits: what the builder was given, else an engine's build limits, else the defaults for a
     * Hugging Face directory. An engine refuses limits beyond those it was built for.
     */
    private SchedulerConfig schedulerConfig(Builder builder, Optional<EngineConfig> engine) {
        int maxBatchSize;
        int maxNumTokens;
        int maxSeqLen;
        if (engine.isPresent()) {
            BuildLimits limits = engine.get().limits();
            maxBatchSize = withinLimit(builder.maxBatchSize, limits.maxBatchSize(), "max_batch_size");
            maxNumTokens = withinLimit(builder.maxNumTokens, limits.maxNumTokens(), "max_num_tokens");
            maxSeqLen = withinLimit(builder.maxSeqLen, limits.maxSeqLen(), "max_seq_len");
            if (maxNumTokens < maxBatchSize) {
                throw new JllmException("max_num_tokens " + maxNumTokens + " is below max_batch_size " + maxBatchSize
                        + ": every running sequence decodes one token per step");
            }
        } else {
            maxBatchSize = builder.maxBatchSize.orElse(Builder.DEFAULT_MAX_BATCH_SIZE);
            maxNumTokens = Math.max(builder.maxNumTokens.orElse(Builder.DEFAULT_MAX_NUM_TOKENS), maxBatchSize);
            maxSeqLen = builder.maxSeqLen.orElse(Math.min(modelConfig.maxPositionEmbeddings(),
                    Builder.DEFAULT_MAX_SEQ_LEN));
        }
        return new SchedulerConfig(maxBatchSize, maxNumTokens, maxSeqLen, builder.policy);
    }

    private int withinLimit(OptionalInt requested, int limit, String name) {
        if (requested.isPresent() && requested.getAsInt() > limit) {
            throw new JllmException(name + " " + requested.getAsInt() + " is beyond the " + limit + " that the engine "
                    + modelDir + " was built for; build it again with a larger --" + name.replace('_', '-'));
        }
        return requested.orElse(limit);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Generates for every prompt (encoded with the model's special tokens) and returns the outputs in input order. */
    public List<RequestOutput> generate(List<String> prompts, SamplingParams params) {
        List<int[]> encoded = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            encoded.add(requireTokenizer().encode(prompt, true));
        }
        return generateTokens(encoded, params);
    }

    /** Generates for prompts given as token ids; outputs in input order. */
    public List<RequestOutput> generateTokens(List<int[]> prompts, SamplingParams params) {
        List<CompletableFuture<RequestOutput>> futures = new ArrayList<>(prompts.size());
        for (int[] prompt : prompts) {
            futures.add(submit(prompt, params, false).result());
        }
        List<RequestOutput> outputs = new ArrayList<>(futures.size());
        for (CompletableFuture<RequestOutput> future : futures) {
            outputs.add(join(future));
        }
        return outputs;
    }

    public CompletableFuture<RequestOutput> generateAsync(String prompt, SamplingParams params) {
        return submit(requireTokenizer().encode(prompt, true), params, false).result();
    }

    /** Streams one prompt: {@code handle.stream()} yields its new tokens and text as they are generated. */
    public RequestHandle stream(String prompt, SamplingParams params) {
        return submit(requireTokenizer().encode(prompt, true), params, true);
    }

    /** Submits token ids with full control: streaming or not, the handle cancels. */
    public RequestHandle submit(int[] promptTokenIds, SamplingParams params, boolean streaming) {
        return submit(new GenerationRequest("request-" + requestIds.incrementAndGet(), promptTokenIds, params, 0,
                Optional.empty()), streaming);
    }

    public RequestHandle submit(GenerationRequest request, boolean streaming) {
        return executor.submit(request, streaming);
    }

    /** Renders chat messages through the model's chat template (with the generation prompt) and generates. */
    public RequestOutput chat(List<Map<String, Object>> messages, SamplingParams params) {
        return join(submit(chatPromptTokens(messages), params, false).result());
    }

    /** Chat messages as prompt token ids: the template's text, encoded without adding special tokens again. */
    public int[] chatPromptTokens(List<Map<String, Object>> messages) {
        String rendered = chatTemplate().render(messages, null, true, Map.of());
        return requireTokenizer().encode(rendered, false);
    }

    public ChatTemplate chatTemplate() {
        ChatTemplate template = chatTemplate;
        if (template == null) {
            template = ChatTemplate.fromModelDir(modelDir);
            chatTemplate = template;
        }
        return template;
    }

    public ModelConfig modelConfig() {
        return modelConfig;
    }

    /** The build settings when the model is a jllm engine; empty for a Hugging Face directory. */
    public Optional<EngineConfig> engineConfig() {
        return checkpoint.engineConfig();
    }

    public Optional<Tokenizer> tokenizer() {
        return tokenizer;
    }

    public Path modelDir() {
        return modelDir;
    }

    public Executor executor() {
        return executor;
    }

    /** Bytes of backend memory the KV cache holds. */
    public long kvCacheBytes() {
        return cache.bytes();
    }

    /** The blocks of the KV cache; each holds {@link KvCache#blockSize()} tokens of every layer. */
    public KvCache kvCache() {
        return cache;
    }

    /** Finishes the running requests (for up to the builder's shutdown grace), cancels the rest, releases the model. */
    @Override
    public void close() {
        executor.shutdown(shutdownGrace);
        checkpoint.close();
    }

    private Tokenizer requireTokenizer() {
        return tokenizer.orElseThrow(() -> new JllmException(
                "the model directory " + modelDir + " has no tokenizer.json; pass token ids instead"));
    }

    private static RequestOutput join(CompletableFuture<RequestOutput> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * Configures an {@link LLM}; names follow TensorRT-LLM's build and KV-cache options. An engine's build limits are
     * the defaults of maxBatchSize, maxNumTokens and maxSeqLen, and the most they may be.
     */
    public static final class Builder {
        static final int DEFAULT_MAX_BATCH_SIZE = 64;
        static final int DEFAULT_MAX_NUM_TOKENS = 8192;
        static final int DEFAULT_MAX_SEQ_LEN = 4096;

        private String model;
        private Backend backend;
        private OptionalInt maxBatchSize = OptionalInt.empty();
        private OptionalInt maxNumTokens = OptionalInt.empty();
        private OptionalInt maxSeqLen = OptionalInt.empty();
        private int maxQueueSize = 1024;
        private KvCacheConfig kvCacheConfig = KvCacheConfig.defaults();
        private Optional<KvCacheDtype> kvCacheDtype = Optional.empty();
        private SchedulerPolicy policy = SchedulerPolicy.GUARANTEED_NO_EVICT;
        private boolean overlap = true;
        private HubConfig hubConfig = HubConfig.fromEnvironment(Optional.empty());
        private DownloadListener downloadListener = DownloadListener.NONE;
        private IntConsumer layerListener = layers -> {};
        private Consumer<IterationStats> statsListener = stats -> {};
        private Duration shutdownGrace = Duration.ofSeconds(30);

        /**
         * A jllm engine directory (built by {@code jllm build}), a Hugging Face model directory, or a hub id
         * (org/name[@revision]) resolved through the HF cache.
         */
        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder model(Path modelDir) {
            this.model = modelDir.toString();
            return this;
        }

        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        /** Default: an engine's build limit; 64 for a Hugging Face directory. */
        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = OptionalInt.of(maxBatchSize);
            return this;
        }

        /** Default: an engine's build limit; 8192 for a Hugging Face directory (at least maxBatchSize). */
        public Builder maxNumTokens(int maxNumTokens) {
            this.maxNumTokens = OptionalInt.of(maxNumTokens);
            return this;
        }

        /** Default: an engine's build limit; the model's max_position_embeddings, at most 4096, otherwise. */
        public Builder maxSeqLen(int maxSeqLen) {
            this.maxSeqLen = OptionalInt.of(maxSeqLen);
            return this;
        }

        public Builder maxQueueSize(int maxQueueSize) {
            this.maxQueueSize = maxQueueSize;
            return this;
        }

        /**
         * Block size, memory share, token cap and prefix reuse of the KV cache. Without a token cap the cache holds
         * at most 2 × maxBatchSize × maxSeqLen tokens (all that running sequences can use, plus as much again for
         * prefix reuse).
         */
        public Builder kvCacheConfig(KvCacheConfig kvCacheConfig) {
            this.kvCacheConfig = kvCacheConfig;
            return this;
        }

        /**
         * What the KV cache stores: {@code auto} (the backend's activation type), or {@code fp8} / {@code int8} codes
         * with a scale per (token, kv head), which hold about twice the tokens in the same memory. Default: an engine's
         * {@code kv_cache_dtype}, else auto.
         */
        public Builder kvCacheDtype(KvCacheDtype kvCacheDtype) {
            this.kvCacheDtype = Optional.of(kvCacheDtype);
            return this;
        }

        public Builder schedulerPolicy(SchedulerPolicy policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Whether a decode step is launched before the tokens of the one running are read, so that the host's
         * bookkeeping (stop checks, detokenization, delivery, the next step's metadata) runs while the device computes;
         * the results are the same either way. Default: on.
         */
        public Builder overlap(boolean overlap) {
            this.overlap = overlap;
            return this;
        }

        public Builder hubConfig(HubConfig hubConfig) {
            this.hubConfig = hubConfig;
            return this;
        }

        public Builder downloadListener(DownloadListener downloadListener) {
            this.downloadListener = downloadListener;
            return this;
        }

        /** Called with the number of layers placed on the backend so far, while loading. */
        public Builder layerListener(IntConsumer layerListener) {
            this.layerListener = layerListener;
            return this;
        }

        /** Sees every engine iteration's statistics, on the engine thread. */
        public Builder statsListener(Consumer<IterationStats> statsListener) {
            this.statsListener = statsListener;
            return this;
        }

        /** How long {@link LLM#close} lets running requests finish before cancelling them. */
        public Builder shutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
            return this;
        }

        /** Loads the model onto the backend and starts the engine thread. */
        public LLM build() {
            return new LLM(this);
        }
    }
}
