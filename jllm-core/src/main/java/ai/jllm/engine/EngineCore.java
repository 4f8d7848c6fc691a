package ai.jllm.engine;

import ai.jllm.JllmException;
import ai.jllm.api.GenerationRequest;
import ai.jllm.config.GenerationConfig;
import ai.jllm.kvcache.BlockHashKey;
import ai.jllm.kvcache.KvCacheManager;
import ai.jllm.kvcache.KvSequence;
import ai.jllm.sampling.BadWords;
import ai.jllm.sampling.LogprobsMode;
import ai.jllm.sampling.PenaltyTokens;
import ai.jllm.sampling.Philox;
import ai.jllm.sampling.PromptLogprobs;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.sampling.StopStringMatcher;
import ai.jllm.sampling.TokenLogprobs;
import ai.jllm.scheduler.ScheduledChunk;
import ai.jllm.scheduler.Scheduler;
import ai.jllm.scheduler.SchedulerOutput;
import ai.jllm.scheduler.Sequence;
import ai.jllm.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
    private final List<Integer> eosTokenIds;
    private final int vocabSize;
    private final PenaltyTokens penalties;
    private final Map<String, Request> requests = new LinkedHashMap<>();
    private final Map<Sequence, SampleState> samplesBySequence = new HashMap<>();
    private final StepSlot[] slots;
    private final boolean overlap;
    private int nextSlot;
    /** With overlap: the step launched ahead whose tokens the next {@link #step} reads. */
    private Optional<StepSlot> inFlight = Optional.empty();
    private long arrivals;
    private long lastDeliverNanos;
    private volatile IterationStats lastStats = IterationStats.IDLE;

    /**
     * @param overlap launch a decode step before the tokens of the one running are read, when nothing can change the
     *                batch in between (see {@link #step})
     */
    public EngineCore(ModelRunner runner, Scheduler scheduler, Optional<Tokenizer> tokenizer,
                      GenerationConfig generationConfig, boolean overlap) {
        this.overlap = overlap;
        this.runner = runner;
        this.scheduler = scheduler;
        this.kv = scheduler.kvCache();
        this.tokenizer = tokenizer;
        this.eosTokenIds = List.copyOf(generationConfig.eosTokenIds());
        this.vocabSize = runner.model().config().vocabSize();
        int rows = scheduler.config().maxBatchSize();
        this.penalties = new PenaltyTokens(vocabSize);
        int maxTopLogprobs = Math.max(SamplingParams.MAX_LOGPROBS, 2 * rows);
        this.slots = new StepSlot[] {
            new StepSlot(rows, vocabSize, scheduler.config().maxSeqLen(), maxTopLogprobs),
            new StepSlot(rows, vocabSize, scheduler.config().maxSeqLen(), maxTopLogprobs)};
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
        long seed = params.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
        Optional<BadWords> badWords = params.badWords().isEmpty() ? Optional.empty()
                : Optional.of(BadWords.of(params.badWords(), tokenizer.orElseThrow()));
        Optional<BeamGroup> beams = params.beamSearch()
                ? Optional.of(new BeamGroup(params.beamWidth(), params.n(), params.lengthPenalty(),
                        maxLength - prompt.length, token -> isEnd(token, params), tokenizer,
                        params.skipSpecialTokens()))
                : Optional.empty();
        Request state = new Request(request, listener, System.nanoTime(), seed, badWords, beams);
        BlockHashKey key = request.cacheSalt().map(BlockHashKey::ofSalt).orElse(BlockHashKey.NONE);
        Sequence first = new Sequence(request.requestId(), 0, request.priority(), arrivals++, prompt, prompt.length,
                prompt.length, maxLength, kv.newSequence(key));
        if (params.promptLogprobs().isPresent()) {
            first.requestPromptLogits();
        }
        if (beams.isPresent()) {
            first.markBeam();
        }
        SampleState sample = newSample(0, first, seed, params);
        state.samples.add(sample);
        beams.ifPresent(group -> group.start(sample));
        samplesBySequence.put(first, sample);
        requests.put(request.requestId(), state);
        scheduler.add(first, (params.beamSearch() ? params.beamWidth() : params.n()) - 1);
    }

    /**
     * Checks a request against the engine's limits without queueing it: a bad request throws {@link JllmException}
     * with the reason. Reads only immutable state, so any thread may call it.
     */
    public void validate(GenerationRequest request) {
        int[] prompt = request.promptTokenIds();
        SamplingParams params = request.params();
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
        int sequences = params.beamSearch() ? params.beamWidth() : params.n();
        if (sequences > scheduler.config().maxBatchSize()) {
            throw new JllmException((params.beamSearch() ? "beam_width " : "n ") + sequences
                    + " exceeds max_batch_size " + scheduler.config().maxBatchSize());
        }
        int maxLength = Math.min(maxSeqLen, prompt.length + params.maxTokens());
        int blocksNeeded = sequences * kv.blocksFor(maxLength - 1);
        if (blocksNeeded > kv.numBlocks()) {
            throw new JllmException("the prompt (" + prompt.length + " tokens) plus max_tokens needs " + blocksNeeded
                    + " KV-cache blocks but the cache has " + kv.numBlocks() + "; lower max_tokens");
        }
        if (tokenizer.isEmpty() && (!params.stop().isEmpty() || !params.badWords().isEmpty())) {
            throw new JllmException("stop strings and bad words need a tokenizer, and this model has none");
        }
        if (params.beamSearch() && (!params.stop().isEmpty() || params.logprobs().isPresent())) {
            throw new JllmException("beam search does not support stop strings or logprobs");
        }
        for (int token : params.stopTokenIds()) {
            if (token < 0 || token >= vocabSize) {
                throw new JllmException("stop token id " + token + " is outside the vocabulary of " + vocabSize);
            }
        }
    }

    /** Cancels a request wherever it is and frees its blocks at once; its listener gets the partial result. */
    public boolean abort(String requestId) {
        Request request = requests.remove(requestId);
        if (request == null) {
            return false;
        }
        request.beams.ifPresent(group -> group.abort(beamHost(request)));
        for (SampleState sample : request.samples) {
            if (!sample.finished()) {
                sample.finish(FinishReason.ABORT, Optional.empty());
            }
            release(sample);
        }
        request.finishedNanos = OptionalLong.of(System.nanoTime());
        // An idle engine runs no further step, so refresh the statistics here: readers (metrics, the queue limit)
        // must see the freed blocks and the smaller batch at once.
        lastStats = stats(SchedulerOutput.EMPTY, System.nanoTime(), StepPhases.NONE);
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
                release(sample);
            }
            request.listener.onFailed(error);
        }
        requests.clear();
        inFlight = Optional.empty();
        kv.drainPendingCopies();
    }

    public boolean hasWork() {
        return scheduler.hasWork() || inFlight.isPresent();
    }

    /**
     * One iteration: schedule, run the model, sample, deliver. Returns what the step did.
     *
     * <p>With overlap, a step of plain decodes is followed at once by the next one, launched before its tokens are
     * read ({@link Scheduler#scheduleAhead}): the device takes each sampled token as the next step's input itself, and
     * the host reads the tokens, checks stop conditions and delivers while the device runs the step after. Each call
     * then reads back one step and launches the one after it. A request that ends with a token (a stop token or
     * string) or is cancelled has already been given one more step; that step's sample is discarded, never emitted,
     * and its block goes back with the others. Without overlap each call runs one step start to end.
     */
    public IterationStats step() {
        long start = System.nanoTime();
        Optional<StepSlot> launchedBefore = inFlight;
        inFlight = Optional.empty();
        long scheduleNanos = 0;
        long prepareNanos = 0;
        long forwardNanos = 0;
        long sampleNanos = 0;
        StepSlot current;
        if (launchedBefore.isPresent()) {
            current = launchedBefore.get();
        } else {
            SchedulerOutput output = scheduler.schedule();
            if (output.isEmpty()) {
                lastStats = stats(output, start, StepPhases.NONE);
                return lastStats;
            }
            current = launch(output, start, Optional.empty());
            scheduleNanos += current.scheduleNanos;
            prepareNanos += current.prepareNanos;
            forwardNanos += current.forwardNanos;
            sampleNanos += current.sampleNanos;
        }
        if (overlap && chainable(current)) {
            long aheadStart = System.nanoTime();
            Optional<SchedulerOutput> ahead = scheduler.scheduleAhead(current.output);
            if (ahead.isPresent()) {
                StepSlot next = launch(ahead.get(), aheadStart, Optional.of(current));
                inFlight = Optional.of(next);
                scheduleNanos += next.scheduleNanos;
                prepareNanos += next.prepareNanos;
                forwardNanos += next.forwardNanos;
                sampleNanos += next.sampleNanos;
            } else {
                scheduleNanos += System.nanoTime() - aheadStart;
            }
        }
        long waitStart = System.nanoTime();
        runner.awaitSamples(current.sampling, current.sampled);
        long waited = System.nanoTime();
        SchedulerOutput output = current.output;
        scheduler.update(output);
        Set<Request> touched = new LinkedHashSet<>();
        collectPromptLogprobs(output, current.firstLogitsRow, touched);
        applySamples(current, touched);
        for (Request request : touched) {
            for (SampleState sample : request.samples) {
                if (sample.finished()) {
                    release(sample);
                }
            }
        }
        long updated = System.nanoTime();
        // Statistics before delivery, so a caller woken by its result sees the step's effect on the cache; the
        // delivery of the previous step is what this step's phases report.
        lastStats = stats(output, start, new StepPhases(scheduleNanos, prepareNanos, forwardNanos, sampleNanos,
                waited - waitStart, updated - waited, lastDeliverNanos, runner.backend().lastStepDeviceTime(),
                inFlight.isPresent()));
        for (Request request : touched) {
            deliver(request);
        }
        lastDeliverNanos = System.nanoTime() - updated;
        return lastStats;
    }

    /**
     * Lays out, runs and enqueues the sampling of one scheduled step in the next free slot. Launched ahead of
     * {@code previous} (still in flight), the step's tokens are the ones {@code previous} samples (fed by the backend)
     * and its samples are one output token further than the sequences hold yet.
     */
    private StepSlot launch(SchedulerOutput output, long start, Optional<StepSlot> previous) {
        StepSlot slot = slots[nextSlot];
        nextSlot ^= 1;
        slot.output = output;
        long scheduled = System.nanoTime();
        int[] firstLogitsRow = previous.isPresent() ? runner.layoutAhead(output, previous.get().sampled)
                : runner.layout(output);
        System.arraycopy(firstLogitsRow, 0, slot.firstLogitsRow, 0, output.chunks().size());
        fillSamplingRows(slot, previous.isPresent() ? 1 : 0);
        long prepared = System.nanoTime();
        runner.forward(kv.drainPendingCopies());
        long launched = System.nanoTime();
        runner.sampleAsync(slot.sampling, slot.sampled);
        long enqueued = System.nanoTime();
        slot.scheduleNanos = scheduled - start;
        slot.prepareNanos = prepared - scheduled;
        slot.forwardNanos = launched - prepared;
        slot.sampleNanos = enqueued - launched;
        return slot;
    }

    /**
     * Whether the step after {@code slot} may be launched before {@code slot}'s tokens are read: each of its rows must
     * be a plain sample whose next sampling rows do not depend on this token (no penalties, no bad words, no beams).
     * The scheduler checks the rest.
     */
    private boolean chainable(StepSlot slot) {
        int rows = slot.sampling.numRows();
        if (rows == 0 || rows != slot.output.chunks().size()) {
            return false;
        }
        for (int row = 0; row < rows; row++) {
            Request request = slot.rowRequest[row];
            if (slot.rowSample[row] == null || request.beams.isPresent() || request.badWords.isPresent()
                    || request.request.params().penalized()) {
                return false;
            }
        }
        return true;
    }

    /** The latest iteration's statistics; any thread may read them. */
    public IterationStats lastStats() {
        return lastStats;
    }

    public int numRequests() {
        return requests.size();
    }

    /** Ids of the requests in the engine, waiting or running. */
    public List<String> requestIds() {
        return List.copyOf(requests.keySet());
    }

    /**
     * One sampling row per token to choose: per sampling chunk its sequence's row, plus rows for the n - 1 siblings
     * a first sample draws for (they fork after the step). A beam search's rows ask for its top candidates.
     */
    private void fillSamplingRows(StepSlot slot, int outputOffset) {
        SamplingBatch sampling = slot.sampling;
        int[] firstLogitsRow = slot.firstLogitsRow;
        sampling.clear();
        List<ScheduledChunk> chunks = slot.output.chunks();
        for (int c = 0; c < chunks.size(); c++) {
            ScheduledChunk chunk = chunks.get(c);
            if (chunk.samples() > 0) {
                samplesBySequence.get(chunk.sequence()).stepLogitsRow =
                        firstLogitsRow[c] + (chunk.allLogits() ? chunk.numTokens() - 1 : 0);
            }
        }
        Set<Request> beamGroupsDone = new java.util.HashSet<>();
        for (ScheduledChunk chunk : chunks) {
            if (chunk.samples() == 0) {
                continue;
            }
            Sequence sequence = chunk.sequence();
            SampleState sample = samplesBySequence.get(sequence);
            Request request = requests.get(sequence.requestId());
            if (request.beams.isPresent()) {
                // All live beams of a search, in the group's order: the beam step reads their rows side by side.
                if (beamGroupsDone.add(request)) {
                    for (SampleState beam : request.beams.get().live()) {
                        addRow(slot, request, beam, beam.seed, beam.stepLogitsRow, outputOffset);
                        sampling.setLogprobs(LogprobsMode.PENALIZED, request.beams.get().perBeamCandidates());
                    }
                }
                continue;
            }
            for (int s = 0; s < chunk.samples(); s++) {
                long seed = s == 0 ? sample.seed : Philox.sampleSeed(request.seed, sample.index + s);
                int row = addRow(slot, request, sample, seed, sample.stepLogitsRow, outputOffset);
                slot.rowSample[row] = s == 0 ? sample : null;
            }
        }
    }

    /**
     * One sampling row for {@code sample}'s next token, with its masks and penalties. {@code outputOffset} output
     * tokens come before it that the sequence does not hold yet (1 for a step launched ahead, see {@link #chainable}).
     */
    private int addRow(StepSlot slot, Request request, SampleState sample, long seed, int logitsRow,
                       int outputOffset) {
        SamplingBatch sampling = slot.sampling;
        Sequence sequence = sample.sequence;
        SamplingParams params = request.request.params();
        int outputLength = sequence.outputLength() + outputOffset;
        int row = sampling.addRow(logitsRow, params, seed, outputLength);
        slot.rowSample[row] = sample;
        slot.rowRequest[row] = request;
        if (outputLength < params.minTokens()) {
            maskEndTokens(sampling, params);
        }
        request.badWords.ifPresent(words -> words.addMasks(sampling, sequence.tokens(), sequence.promptLength(),
                sequence.length()));
        if (params.penalized()) {
            penalties.addEntries(sampling, sequence.tokens(), sequence.promptLength(), sequence.length());
        }
        return row;
    }

    private void maskEndTokens(SamplingBatch sampling, SamplingParams params) {
        if (!params.ignoreEos()) {
            for (int token : eosTokenIds) {
                if (token >= 0 && token < vocabSize) {
                    sampling.maskToken(token);
                }
            }
        }
        for (int token : params.stopTokenIds()) {
            sampling.maskToken(token);
        }
    }

    /** Prompt logprobs of the prompt chunks that asked for every position's logits (once per position). */
    private void collectPromptLogprobs(SchedulerOutput output, int[] firstLogitsRow, Set<Request> touched) {
        float[] host = null;
        List<ScheduledChunk> chunks = output.chunks();
        for (int c = 0; c < chunks.size(); c++) {
            ScheduledChunk chunk = chunks.get(c);
            if (!chunk.allLogits()) {
                continue;
            }
            Request request = requests.get(chunk.sequence().requestId());
            int start = chunk.startPosition();
            // After a preemption the prompt is computed again; its logprobs are already known.
            int known = request.promptLogprobs.size();
            int skip = Math.max(0, known - start);
            if (skip >= chunk.numTokens()) {
                continue;
            }
            if (host == null) {
                host = runner.hostLogits();
            }
            int rows = chunk.numTokens() - skip;
            float[] chunkLogits = Arrays.copyOfRange(host, (firstLogitsRow[c] + skip) * vocabSize,
                    (firstLogitsRow[c] + skip + rows) * vocabSize);
            List<TokenLogprobs> logprobs = PromptLogprobs.compute(chunkLogits, vocabSize,
                    request.request.promptTokenIds(), start + skip, rows,
                    request.request.params().promptLogprobs().orElseThrow());
            request.promptLogprobs.addAll(logprobs);
            touched.add(request);
        }
    }

    /**
     * The step's sampled tokens into their samples. A row whose sample finished or was cancelled while the step ran
     * (overlap) is discarded.
     */
    private void applySamples(StepSlot slot, Set<Request> touched) {
        long now = System.nanoTime();
        for (ScheduledChunk chunk : slot.output.chunks()) {
            Request request = requests.get(chunk.sequence().requestId());
            if (request != null && request.firstScheduledNanos.isEmpty()) {
                request.firstScheduledNanos = OptionalLong.of(now);
            }
        }
        SampleState[] rowSample = slot.rowSample;
        Request[] rowRequest = slot.rowRequest;
        SampleOutput sampled = slot.sampled;
        int rows = slot.sampling.numRows();
        // Siblings fork from their first sample before it appends its own token: they share only the prompt.
        for (int row = 0; row < rows; row++) {
            if (rowRequest[row].beams.isEmpty() && rowSample[row] == null) {
                rowSample[row] = forkSibling(rowRequest[row]);
            }
        }
        for (int row = 0; row < rows; row++) {
            Request request = rowRequest[row];
            if (request.beams.isPresent()) {
                BeamGroup group = request.beams.get();
                int beams = group.live().size();
                scheduler.takeSiblings(group.live().getFirst().sequence);
                group.step(sampled, row, beamHost(request));
                row += beams - 1;
            } else {
                SampleState sample = rowSample[row];
                if (sample.finished()) {
                    continue; // ended (or was cancelled) one step earlier: this step ran ahead for nothing
                }
                SamplingParams params = request.request.params();
                int token = sampled.tokenId(row);
                Optional<TokenLogprobs> logprob = params.logprobs().isPresent()
                        ? Optional.of(sampled.tokenLogprobs(row, params.logprobs().getAsInt())) : Optional.empty();
                sample.accept(token, logprob);
                checkFinished(sample, params, token);
            }
            if (request.firstTokenNanos.isEmpty()) {
                request.firstTokenNanos = OptionalLong.of(now);
            }
            touched.add(request);
        }
    }

    /** The request's next sibling sample: a fork of its first sample, sharing its prompt blocks. */
    private SampleState forkSibling(Request request) {
        SampleState first = request.samples.getFirst();
        if (request.samples.size() == 1) {
            scheduler.takeSiblings(first.sequence);
        }
        int index = request.samples.size();
        KvSequence childKv = kv.fork(first.sequence.kv());
        // The first sample has not appended its token yet in this step when the siblings fork: they share the prompt.
        Sequence child = first.sequence.fork(index, childKv);
        if (child.length() > child.promptLength()) {
            throw new IllegalStateException("a sibling forked after its first sample appended a token");
        }
        SampleState sibling = newSample(index, child, Philox.sampleSeed(request.seed, index), request.request.params());
        request.samples.add(sibling);
        samplesBySequence.put(child, sibling);
        scheduler.addRunning(child);
        return sibling;
    }

    private BeamGroup.Host beamHost(Request request) {
        return new BeamGroup.Host() {
            @Override
            public SampleState fork(SampleState parent) {
                Sequence child = parent.sequence.fork(request.samples.size(), kv.fork(parent.sequence.kv()));
                SampleState beam = newSample(request.samples.size(), child, request.seed, request.request.params());
                request.samples.add(beam);
                samplesBySequence.put(child, beam);
                scheduler.addRunning(child);
                return beam;
            }

            @Override
            public void drop(SampleState beam) {
                beam.finish(FinishReason.STOP, Optional.empty());
                release(beam);
            }
        };
    }

    private SampleState newSample(int index, Sequence sequence, long seed, SamplingParams params) {
        boolean beam = params.beamSearch();
        return new SampleState(index, sequence, seed,
                beam ? Optional.empty() : tokenizer.map(t -> t.newDetokenizer(params.skipSpecialTokens())),
                params.stop().isEmpty() || beam ? Optional.empty()
                        : Optional.of(new StopStringMatcher(params.stop(), params.includeStopStrInOutput())));
    }

    private boolean isEnd(int token, SamplingParams params) {
        return (!params.ignoreEos() && eosTokenIds.contains(token)) || params.stopTokenIds().contains(token);
    }

    private void checkFinished(SampleState sample, SamplingParams params, int token) {
        if (sample.finished()) {
            return; // a stop string completed
        }
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
            request.finishedNanos = OptionalLong.of(System.nanoTime());
            requests.remove(request.id());
            request.listener.onDelta(request.delta());
            request.listener.onFinished(request.result());
        } else {
            request.listener.onDelta(request.delta());
        }
    }

    private IterationStats stats(SchedulerOutput output, long start, StepPhases phases) {
        var cache = kv.stats();
        return new IterationStats(output.chunks().size(), output.numTokens(), output.preempted().size(),
                scheduler.numRunning(), scheduler.numWaiting(), cache.usedBlocks(), cache.freeBlocks(),
                cache.cachedBlocks(), cache.hitRate(), System.nanoTime() - start, phases);
    }
}
