package ai.jllm.engine;

import ai.jllm.JllmException;
import ai.jllm.api.GenerationRequest;
import ai.jllm.config.GenerationConfig;
import ai.jllm.kvcache.BlockHashKey;
import ai.jllm.kvcache.KvCacheManager;
import ai.jllm.kvcache.KvSequence;
import ai.jllm.sampling.Sampler;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.scheduler.ScheduledChunk;
import ai.jllm.scheduler.Scheduler;
import ai.jllm.scheduler.SchedulerOutput;
import ai.jllm.scheduler.Sequence;
import ai.jllm.tokenizer.Tokenizer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The engine loop, single-threaded: {@link #step} is {@code schedule → execute → update}. Requests come in with
 * {@link #add}, leave when their samples finish or with {@link #abort}; every step hands each touched request its
 * new tokens and text through its {@link RequestListener}.
 */
public final class EngineCore {

    private final ModelRunner runner;
    private final Scheduler scheduler;
    private final KvCacheManager kv;
    private final Optional<Tokenizer> tokenizer;
    private final Set<Integer> eosTokenIds;
    private final int vocabSize;
    private final Sampler sampler;
    private final Map<String, Request> requests = new LinkedHashMap<>();
    private final Map<Sequence, SampleState> samplesBySequence = new java.util.HashMap<>();
    private long arrivals;
    private volatile IterationStats lastStats = IterationStats.IDLE;

    public EngineCore(ModelRunner runner, Scheduler scheduler, Optional<Tokenizer> tokenizer,
                      GenerationConfig generationConfig) {
        this.runner = runner;
        this.scheduler = scheduler;
        this.kv = scheduler.kvCache();
        this.tokenizer = tokenizer;
        this.eosTokenIds = Set.copyOf(generationConfig.eosTokenIds());
        this.vocabSize = runner.model().config().vocabSize();
        this.sampler = new Sampler(vocabSize);
    }

    /** Number of parallel samples a request asks for. */
    static int samplesOf(SamplingParams params) {
        return 1;
    }

    /**
     * Validates and queues a request. Bad requests throw {@link JllmException} here, before anything is queued.
     */
    public void add(GenerationRequest request, RequestListener listener) {
        if (requests.containsKey(request.requestId())) {
            throw new JllmException("request id " + request.requestId() + " is already running");
        }
        validate(request);
        int[] prompt = request.promptTokenIds();
        SamplingParams params = request.params();
        int maxLength = Math.min(scheduler.config().maxSeqLen(), prompt.length + params.maxTokens());
        Request state = new Request(request, listener, System.nanoTime());
        BlockHashKey key = request.cacheSalt().map(BlockHashKey::ofSalt).orElse(BlockHashKey.NONE);
        Sequence first = new Sequence(request.requestId(), 0, request.priority(), arrivals++, prompt, prompt.length,
                prompt.length, maxLength, kv.newSequence(key));
        long seed = params.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
        SampleState sample = new SampleState(0, first, seed, tokenizer.map(t -> t.newDetokenizer(true)));
        state.samples.add(sample);
        samplesBySequence.put(first, sample);
        requests.put(request.requestId(), state);
        scheduler.add(first, samplesOf(params) - 1);
    }

    /**
     * Checks a request against the engine's limits without queueing it: a bad request throws {@link JllmException}
     * with the reason. Reads only immutable state, so any thread may call it.
     */
    public void validate(GenerationRequest request) {
        int[] prompt = request.promptTokenIds();
        int maxSeqLen = scheduler.config().maxSeqLen();
        if (prompt.length == 0) {
            throw new JllmException("the prompt is empty");
        }
        if (prompt.length >= maxSeqLen) {
            throw new JllmException("the prompt has " + prompt.length + " tokens; max_seq_len is " + maxSeqLen
                    + ", which leaves no room to generate");
        }
        for (int token : prompt) {
            if (token < 0 || token >= vocabSize) {
                throw new JllmException("the prompt has token id " + token + ", outside the vocabulary of " + vocabSize);
            }
        }
        int n = samplesOf(request.params());
        if (n > scheduler.config().maxBatchSize()) {
            throw new JllmException("n = " + n + " exceeds max_batch_size " + scheduler.config().maxBatchSize());
        }
        int maxLength = Math.min(maxSeqLen, prompt.length + request.params().maxTokens());
        int blocksNeeded = n * kv.blocksFor(maxLength - 1);
        if (blocksNeeded > kv.numBlocks()) {
            throw new JllmException("the prompt (" + prompt.length + " tokens) plus max_tokens needs " + blocksNeeded
                    + " KV-cache blocks but the cache has " + kv.numBlocks() + "; lower max_tokens");
        }
    }

    /** Cancels a request wherever it is and frees its blocks at once; its listener gets the partial result. */
    public boolean abort(String requestId) {
        Request request = requests.remove(requestId);
        if (request == null) {
            return false;
        }
        for (SampleState sample : request.samples) {
            if (!sample.finished()) {
                sample.finish(FinishReason.ABORT, Optional.empty());
            }
            scheduler.remove(sample.sequence);
            samplesBySequence.remove(sample.sequence);
        }
        request.finishedNanos = java.util.OptionalLong.of(System.nanoTime());
        // An idle engine runs no further step, so refresh the statistics here: readers (metrics, the queue limit)
        // must see the freed blocks and the smaller batch at once.
        lastStats = stats(SchedulerOutput.EMPTY, 0, System.nanoTime());
        request.listener.onFinished(request.result());
        return true;
    }

    /**
     * Fails every request with {@code error} and frees everything: after a backend failure the step's state cannot
     * be trusted, but the engine stays usable for new requests.
     */
    public void failAll(RuntimeException error) {
        for (Request request : requests.values()) {
            for (SampleState sample : request.samples) {
                if (samplesBySequence.remove(sample.sequence) != null) {
                    scheduler.remove(sample.sequence);
                }
            }
            request.listener.onFailed(error);
        }
        requests.clear();
        kv.drainPendingCopies();
    }

    public boolean hasWork() {
        return scheduler.hasWork();
    }

    /** One iteration: schedule, run the model, sample, deliver. Returns what the step did. */
    public IterationStats step() {
        long start = System.nanoTime();
        SchedulerOutput output = scheduler.schedule();
        if (output.isEmpty()) {
            lastStats = stats(output, 0, start);
            return lastStats;
        }
        ModelRunner.StepLogits logits = runner.execute(output, kv.drainPendingCopies());
        scheduler.update(output);
        Set<Request> touched = new LinkedHashSet<>();
        int row = 0;
        long now = System.nanoTime();
        for (ScheduledChunk chunk : output.chunks()) {
            SampleState first = samplesBySequence.get(chunk.sequence());
            Request request = requests.get(chunk.sequence().requestId());
            if (request.firstScheduledNanos.isEmpty()) {
                request.firstScheduledNanos = java.util.OptionalLong.of(start);
            }
            if (chunk.samples() == 0) {
                continue;
            }
            forkSiblings(request, first);
            for (int s = 0; s < chunk.samples(); s++) {
                SampleState sample = s == 0 ? first : request.samples.get(request.samples.size() - chunk.samples() + s);
                int token = sample(sample, request.request.params(), logits, row++);
                sample.accept(token);
                checkFinished(sample, request.request.params(), token);
            }
            if (request.firstTokenNanos.isEmpty()) {
                request.firstTokenNanos = java.util.OptionalLong.of(now);
            }
            touched.add(request);
        }
        for (Request request : touched) {
            for (SampleState sample : request.samples) {
                if (sample.finished()) {
                    release(sample);
                }
            }
        }
        // Statistics before delivery, so a caller woken by its result sees the step's effect on the cache.
        lastStats = stats(output, output.chunks().size(), start);
        for (Request request : touched) {
            deliver(request);
        }
        return lastStats;
    }

    /** The latest iteration's statistics; any thread may read them. */
    public IterationStats lastStats() {
        return lastStats;
    }

    public int numRequests() {
        return requests.size();
    }

    /** Ids of the requests in the engine, waiting or running. */
    public java.util.List<String> requestIds() {
        return java.util.List.copyOf(requests.keySet());
    }

    /** The first sample's prompt is computed: its n - 1 siblings start from its blocks. */
    private void forkSiblings(Request request, SampleState first) {
        int siblings = scheduler.takeSiblings(first.sequence);
        for (int i = 1; i <= siblings; i++) {
            KvSequence childKv = kv.fork(first.sequence.kv());
            Sequence child = first.sequence.fork(i, childKv);
            SampleState sample = new SampleState(i, child, first.seed + 0x9E3779B97F4A7C15L * i,
                    tokenizer.map(t -> t.newDetokenizer(true)));
            request.samples.add(sample);
            samplesBySequence.put(child, sample);
            scheduler.addRunning(child);
        }
    }

    private int sample(SampleState sample, SamplingParams params, ModelRunner.StepLogits logits, int row) {
        float[] values = logits.values();
        int offset = row * vocabSize;
        if (sample.sequence.outputLength() < params.minTokens()) {
            suppress(values, offset, params);
        }
        return sampler.sample(values, offset, params, sample.seed, sample.sequence.outputLength());
    }

    private void suppress(float[] values, int offset, SamplingParams params) {
        Set<Integer> ends = new HashSet<>(params.stopTokenIds());
        if (!params.ignoreEos()) {
            ends.addAll(eosTokenIds);
        }
        for (int token : ends) {
            if (token >= 0 && token < vocabSize) {
                values[offset + token] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    private void checkFinished(SampleState sample, SamplingParams params, int token) {
        Sequence sequence = sample.sequence;
        if (!params.ignoreEos() && eosTokenIds.contains(token)) {
            sample.finish(FinishReason.STOP, Optional.empty());
        } else if (params.stopTokenIds().contains(token)) {
            sample.finish(FinishReason.STOP, Optional.of(Integer.toString(token)));
        } else if (sequence.outputLength() >= params.maxTokens() || sequence.length() >= sequence.maxLength()) {
            sample.finish(FinishReason.LENGTH, Optional.empty());
        }
    }

    private void release(SampleState sample) {
        if (samplesBySequence.remove(sample.sequence) != null) {
            scheduler.remove(sample.sequence);
        }
    }

    private void deliver(Request request) {
        if (request.finished()) {
            request.finishedNanos = java.util.OptionalLong.of(System.nanoTime());
            requests.remove(request.id());
            request.listener.onDelta(request.delta());
            request.listener.onFinished(request.result());
        } else {
            request.listener.onDelta(request.delta());
        }
    }

    private IterationStats stats(SchedulerOutput output, int scheduled, long start) {
        var cache = kv.stats();
        return new IterationStats(scheduled, output.numTokens(), output.preempted().size(), scheduler.numRunning(),
                scheduler.numWaiting(), cache.usedBlocks(), cache.freeBlocks(), cache.cachedBlocks(), cache.hitRate(),
                System.nanoTime() - start);
    }
}
