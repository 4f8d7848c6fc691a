package ai.jllm.engine;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.Tensor;
import ai.jllm.config.GenerationConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.model.ModelWeights;
import ai.jllm.sampling.PenaltyTokens;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.WeightSource;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * A model loaded on a backend with its KV cache, generating for a list of prompts at once. Each step runs one forward
 * over a mixed batch: one token for every sequence that is decoding, then prompt chunks for sequences still in
 * prefill, within {@code maxNumTokens}. A sequence is admitted when the cache can hold its whole prompt and
 * {@code max_tokens}, so nothing is ever evicted; sequences join as others finish.
 */
public final class Engine implements AutoCloseable {

    private final ModelConfig modelConfig;
    private final GenerationConfig generationConfig;
    private final EngineConfig config;
    private final WeightSource weights;
    private final Backend backend;
    private final DecoderModel model;
    private final KvCache cache;
    private final BlockAllocator blocks;
    private final ForwardBatch batch;
    private final Sequence[] logitsOwner; // [maxBatchSize]: the sequence sampled from each logits row
    private final int[] scheduledCount;  // [maxBatchSize]: tokens each running sequence runs this step
    private final SampleOutput sampled;
    private final PenaltyTokens penaltyTokens;

    private Engine(ModelConfig modelConfig, GenerationConfig generationConfig, EngineConfig config,
                   WeightSource weights, Backend backend, ModelWeights modelWeights) {
        if (config.maxNumTokens() < config.maxBatchSize()) {
            throw new JllmException("max_num_tokens (" + config.maxNumTokens() + ") must be at least max_batch_size ("
                    + config.maxBatchSize() + "): every running sequence decodes one token per step");
        }
        this.modelConfig = modelConfig;
        this.generationConfig = generationConfig;
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.model = new DecoderModel(modelConfig, modelWeights, backend, config.maxNumTokens(),
                config.maxBatchSize(), config.maxSeqLen());
        this.cache = backend.allocateKvCache(modelConfig.numLayers(), config.numKvBlocks(), config.blockSize(),
                modelConfig.numKeyValueHeads(), modelConfig.headDim());
        this.blocks = new BlockAllocator(config.numKvBlocks());
        this.batch = new ForwardBatch(config.maxNumTokens(), config.maxBatchSize(), config.blockSize(),
                config.maxBlocksPerSequence(), config.maxBatchSize());
        this.logitsOwner = new Sequence[config.maxBatchSize()];
        this.scheduledCount = new int[config.maxBatchSize()];
        this.sampled = new SampleOutput(config.maxBatchSize(), SamplingParams.MAX_LOGPROBS);
        this.penaltyTokens = new PenaltyTokens(modelConfig.vocabSize());
    }

    /**
     * Loads a Hugging Face model directory onto {@code backend}.
     *
     * @param layerLoaded called with the number of layers placed so far (for a progress bar)
     */
    public static Engine load(Path modelDir, Backend backend, EngineConfig config, IntConsumer layerLoaded) {
        ModelConfig modelConfig = ModelConfig.load(modelDir);
        GenerationConfig generationConfig = GenerationConfig.load(modelDir);
        WeightSource weights = WeightSource.open(modelDir);
        try {
            ModelWeights modelWeights = ModelLoader.load(modelConfig, new HfCheckpoint(weights, modelConfig), backend,
                    layerLoaded);
            return new Engine(modelConfig, generationConfig, config, weights, backend, modelWeights);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    public ModelConfig modelConfig() {
        return modelConfig;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public EngineConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Generates for every prompt and returns the results in prompt order. Not thread-safe: one call at a time.
     *
     * @param listener sees every token as it is sampled
     */
    public List<Generation> generate(List<int[]> prompts, SamplingParams params, TokenListener listener) {
        List<Sequence> sequences = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            sequences.add(newSequence(i, prompts.get(i), params));
        }
        Set<Integer> endTokens = new HashSet<>(params.stopTokenIds());
        if (!params.ignoreEos()) {
            endTokens.addAll(generationConfig.eosTokenIds());
        }
        int maxPenalized = params.penalized() ? Math.min(config.maxSeqLen(), modelConfig.vocabSize()) : 0;
        SamplingBatch sampling = new SamplingBatch(config.maxBatchSize(), modelConfig.vocabSize(),
                config.maxBatchSize() * endTokens.size(), config.maxBatchSize() * maxPenalized);
        ArrayDeque<Sequence> waiting = new ArrayDeque<>(sequences);
        List<Sequence> running = new ArrayList<>(config.maxBatchSize());
        while (!waiting.isEmpty() || !running.isEmpty()) {
            admit(waiting, running);
            step(running, params, endTokens, sampling, listener);
            running.removeIf(sequence -> {
                if (sequence.finishReason.isPresent()) {
                    blocks.release(sequence.blockTable, sequence.numBlocks);
                    return true;
                }
                return false;
            });
        }
        return sequences.stream().map(Sequence::toGeneration).toList();
    }

    private Sequence newSequence(int index, int[] prompt, SamplingParams params) {
        if (prompt.length == 0) {
            throw new JllmException("prompt " + index + " is empty");
        }
        if (prompt.length >= config.maxSeqLen()) {
            throw new JllmException("prompt " + index + " has " + prompt.length + " tokens; max_seq_len is "
                    + config.maxSeqLen() + " and leaves no room to generate");
        }
        for (int token : prompt) {
            if (token < 0 || token >= modelConfig.vocabSize()) {
                throw new JllmException("prompt " + index + " has token id " + token + ", outside the vocabulary of "
                        + modelConfig.vocabSize());
            }
        }
        int maxOutput = Math.min(params.maxTokens(), config.maxSeqLen() - prompt.length);
        long seed = params.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
        Sequence sequence = new Sequence(index, prompt, maxOutput, seed, config.maxBlocksPerSequence());
        int needed = blocksFor(sequence);
        if (needed > blocks.numBlocks()) {
            throw new JllmException("prompt " + index + " (" + prompt.length + " tokens plus up to " + maxOutput
                    + " generated) needs " + needed + " KV-cache blocks but the cache has " + blocks.numBlocks()
                    + "; lower max_tokens or give the KV cache more tokens");
        }
        return sequence;
    }

    /** Blocks for every token whose key and value will be cached: all but the last generated one. */
    private int blocksFor(Sequence sequence) {
        int cachedTokens = sequence.promptLength + sequence.maxOutput - 1;
        return (cachedTokens + config.blockSize() - 1) / config.blockSize();
    }

    private void admit(ArrayDeque<Sequence> waiting, List<Sequence> running) {
        while (!waiting.isEmpty() && running.size() < config.maxBatchSize()) {
            Sequence next = waiting.peekFirst();
            int needed = blocksFor(next);
            if (!blocks.canAllocate(needed)) {
                return;
            }
            blocks.allocate(next.blockTable, needed);
            next.numBlocks = needed;
            running.add(waiting.removeFirst());
        }
    }

    private void step(List<Sequence> running, SamplingParams params, Set<Integer> endTokens, SamplingBatch sampling,
                      TokenListener listener) {
        batch.clear();
        int budget = config.maxNumTokens();
        // Decodes first: each costs one token, and finishing sequences frees their blocks soonest.
        for (int i = 0; i < running.size(); i++) {
            Sequence sequence = running.get(i);
            scheduledCount[i] = 0;
            if (sequence.prefilled()) {
                schedule(sequence, i, 1, ForwardBatch.Logits.LAST);
                budget--;
            }
        }
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence sequence = running.get(i);
            if (!sequence.prefilled()) {
                int chunk = Math.min(sequence.promptLength - sequence.computed, budget);
                boolean last = sequence.computed + chunk == sequence.promptLength;
                schedule(sequence, i, chunk, last ? ForwardBatch.Logits.LAST : ForwardBatch.Logits.NONE);
                budget -= chunk;
            }
        }
        Tensor logits = model.forward(batch, cache);
        for (int i = 0; i < running.size(); i++) {
            running.get(i).computed += scheduledCount[i];
        }
        sampling.clear();
        for (int row = 0; row < batch.numLogits(); row++) {
            addSamplingRow(sampling, logitsOwner[row], row, params, endTokens);
        }
        backend.sample(logits, sampling, sampled);
        for (int row = 0; row < batch.numLogits(); row++) {
            Sequence sequence = logitsOwner[row];
            int token = sampled.tokenId(row);
            sequence.tokens[sequence.length++] = token;
            listener.onToken(sequence.index, token);
            if (endTokens.contains(token)) {
                sequence.finishReason = java.util.Optional.of(FinishReason.STOP);
            } else if (sequence.outputLength() == sequence.maxOutput) {
                sequence.finishReason = java.util.Optional.of(FinishReason.LENGTH);
            }
        }
    }

    private void schedule(Sequence sequence, int runningIndex, int count, ForwardBatch.Logits logitsMode) {
        int row = batch.addSequence(sequence.tokens, sequence.computed, count, sequence.computed,
                sequence.blockTable, sequence.numBlocks, logitsMode);
        scheduledCount[runningIndex] = count;
        if (logitsMode != ForwardBatch.Logits.NONE) {
            logitsOwner[row] = sequence;
        }
    }

    /** The sequence's row of the sampling op: its settings, end tokens masked below min_tokens, its penalties. */
    private void addSamplingRow(SamplingBatch sampling, Sequence sequence, int row, SamplingParams params,
                                Set<Integer> endTokens) {
        sampling.addRow(row, params, sequence.seed, sequence.outputLength());
        if (sequence.outputLength() < params.minTokens()) {
            for (int token : endTokens) {
                if (token >= 0 && token < modelConfig.vocabSize()) {
                    sampling.maskToken(token);
                }
            }
        }
        penaltyTokens.addEntries(sampling, sequence.tokens, sequence.promptLength, sequence.length);
    }

    @Override
    public void close() {
        weights.close();
    }
}
