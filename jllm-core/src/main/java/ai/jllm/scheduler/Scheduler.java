package ai.jllm.scheduler;

import ai.jllm.kvcache.KvCacheManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Decides every step which sequences run and how many tokens each, in one shape for prefill, chunked prefill and
 * decode alike ({@link SchedulerOutput}: sequence → tokens). Per step, within {@code maxNumTokens}:
 * <ol>
 *   <li>every running sequence that is decoding gets its one token (they are never starved by prefills);</li>
 *   <li>running sequences still in their prompt get the next chunk;</li>
 *   <li>waiting sequences are admitted, highest priority first and first-come-first-served within a priority, while
 *       the batch has room and the policy allows — and stop at the first that cannot be admitted, so a large request
 *       is not overtaken forever.</li>
 * </ol>
 * KV blocks come from the {@link KvCacheManager}: a sequence's prompt prefix found in the cache is not computed again.
 * Plain Java, single-threaded: the engine thread calls it.
 */
public final class Scheduler {

    /** Higher priority first, then older first; samples of one request stay together. */
    private static final Comparator<Sequence> ORDER = Comparator.comparingInt(Sequence::priority).reversed()
            .thenComparingLong(Sequence::arrival).thenComparingInt(Sequence::sampleIndex);

    private final SchedulerConfig config;
    private final KvCacheManager kv;
    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(ORDER);
    private final List<Sequence> running = new ArrayList<>();
    /** Siblings a request still has to fork from its first sample once its prompt is computed (n > 1). */
    private final java.util.Map<Sequence, Integer> pendingSiblings = new java.util.HashMap<>();

    public Scheduler(SchedulerConfig config, KvCacheManager kv) {
        this.config = config;
        this.kv = kv;
    }

    public SchedulerConfig config() {
        return config;
    }

    /**
     * Queues a new sequence.
     *
     * @param siblings further samples of the same prompt to fork from it when its prompt has been computed
     */
    public void add(Sequence sequence, int siblings) {
        if (sequence.maxLength() > config.maxSeqLen()) {
            throw new IllegalArgumentException(sequence + " may grow to " + sequence.maxLength()
                    + " tokens, beyond max_seq_len " + config.maxSeqLen());
        }
        if (1 + siblings > config.maxBatchSize()) {
            throw new IllegalArgumentException("n = " + (1 + siblings) + " exceeds max_batch_size "
                    + config.maxBatchSize());
        }
        if (siblings > 0) {
            pendingSiblings.put(sequence, siblings);
        }
        waiting.add(sequence);
    }

    /** Adds a running fork of a running sequence; it shares its parent's blocks and needs no prefill. */
    public void addRunning(Sequence fork) {
        fork.status = Sequence.Status.RUNNING;
        insertRunning(fork);
    }

    public SchedulerOutput schedule() {
        List<ScheduledChunk> chunks = new ArrayList<>();
        List<Sequence> preempted = new ArrayList<>();
        int budget = config.maxNumTokens();
        // Decodes first: one token each.
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence sequence = running.get(i);
            if (sequence.numComputedTokens() == sequence.length() - 1 && sequence.length() > sequence.promptLength()) {
                if (reserve(sequence, 1, preempted)) {
                    chunks.add(chunk(sequence, 1));
                    budget--;
                } else if (sequence.status() != Sequence.Status.RUNNING) {
                    i--; // it preempted itself; the list shifted
                }
            }
        }
        // Then prompt chunks of running sequences.
        int promptLogitsRows = SchedulerConfig.PROMPT_LOGITS_ROWS;
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence sequence = running.get(i);
            if (isInPrompt(sequence) && !contains(chunks, sequence)) {
                int count = Math.min(sequence.length() - sequence.numComputedTokens(), budget);
                if (sequence.wantsPromptLogits()) {
                    count = Math.min(count, promptLogitsRows);
                    if (count == 0) {
                        continue;
                    }
                    promptLogitsRows -= count;
                }
                if (reserve(sequence, count, preempted)) {
                    chunks.add(chunk(sequence, count));
                    budget -= count;
                } else if (sequence.status() != Sequence.Status.RUNNING) {
                    i--;
                }
            }
        }
        // Then admissions, unless this step had to preempt (the cache is full).
        while (preempted.isEmpty() && budget > 0 && !waiting.isEmpty()) {
            Sequence next = waiting.peek();
            int siblings = pendingSiblings.getOrDefault(next, 0);
            if (occupiedSlots() + 1 + siblings > config.maxBatchSize()) {
                break;
            }
            // Prompt logprobs need every prompt position's logits, so such a prompt is computed in full.
            int cached = next.wantsPromptLogits() ? 0 : kv.matchPrefix(next.kv(), next.tokens(), next.length());
            int count = Math.min(next.length() - cached, budget);
            if (next.wantsPromptLogits()) {
                if (promptLogitsRows == 0) {
                    break;
                }
                count = Math.min(count, promptLogitsRows);
                promptLogitsRows -= count;
            }
            if (!admissible(next, cached, count, siblings)) {
                break;
            }
            waiting.poll();
            kv.allocate(next.kv(), count);
            next.admitted(cached);
            insertRunning(next);
            chunks.add(chunk(next, count));
            budget -= count;
        }
        return chunks.isEmpty() && preempted.isEmpty() ? SchedulerOutput.EMPTY
                : new SchedulerOutput(chunks, preempted, config.maxNumTokens() - budget);
    }

    /**
     * The step after {@code current} while {@code current} still runs, for an engine that overlaps steps: when
     * {@code current} is all plain decodes (one token each, one sample each, no beams) and nothing may change the
     * batch before it — no waiting sequence could be admitted, no sequence reaches its maximum length with
     * {@code current}'s token, the pool holds the blocks for one more token of each without preempting — returns the
     * same sequences in the same order one position further, their blocks reserved; else empty, and the engine
     * finishes {@code current} and schedules as usual. The token each chunk computes is the one {@code current}
     * samples for it (the engine feeds it on the device). A sequence that ends with {@code current}'s token (a stop
     * token or string) or is cancelled is removed as usual, the reserved block with its others; {@link #update}
     * skips its chunk and the engine discards its sample.
     */
    public Optional<SchedulerOutput> scheduleAhead(SchedulerOutput current) {
        if (current.isEmpty() || !current.preempted().isEmpty()
                || (!waiting.isEmpty() && occupiedSlots() < config.maxBatchSize())) {
            return Optional.empty();
        }
        int neededBlocks = 0;
        for (ScheduledChunk chunk : current.chunks()) {
            Sequence sequence = chunk.sequence();
            if (chunk.numTokens() != 1 || chunk.samples() != 1 || chunk.allLogits() || !chunk.completes()
                    || sequence.isBeam() || sequence.status() != Sequence.Status.RUNNING
                    || sequence.length() + 1 >= sequence.maxLength()) {
                return Optional.empty();
            }
            // Blocks for the positions up to the ahead token's, sequence.length() (current computes length - 1).
            neededBlocks += kv.freeBlocksNeeded(sequence.kv(), sequence.length() + 1);
        }
        if (neededBlocks > kv.numFreeBlocks()) {
            return Optional.empty();
        }
        List<ScheduledChunk> chunks = new ArrayList<>(current.chunks().size());
        for (ScheduledChunk chunk : current.chunks()) {
            kv.allocate(chunk.sequence().kv(), 2);
            chunks.add(new ScheduledChunk(chunk.sequence(), chunk.startPosition() + 1, 1, 1, false));
        }
        return Optional.of(new SchedulerOutput(chunks, List.of(), current.numTokens()));
    }

    /**
     * After the step ran: the chunks' tokens are computed, and their full blocks enter the prefix cache. Chunks of
     * sequences removed while the step ran (finished one step earlier, or cancelled) are skipped.
     */
    public void update(SchedulerOutput output) {
        for (ScheduledChunk chunk : output.chunks()) {
            Sequence sequence = chunk.sequence();
            if (sequence.status() != Sequence.Status.RUNNING) {
                continue;
            }
            sequence.computed(chunk.numTokens());
            kv.commit(sequence.kv(), sequence.tokens(), sequence.numComputedTokens());
        }
    }

    /** Siblings to fork from {@code sequence} now that its prompt is computed (and forgets them). */
    public int takeSiblings(Sequence sequence) {
        Integer siblings = pendingSiblings.remove(sequence);
        return siblings == null ? 0 : siblings;
    }

    /** Releases a finished or cancelled sequence, wherever it is. */
    public void remove(Sequence sequence) {
        if (!running.remove(sequence)) {
            waiting.remove(sequence);
        }
        pendingSiblings.remove(sequence);
        kv.free(sequence.kv());
        sequence.status = Sequence.Status.FINISHED;
    }

    public int numWaiting() {
        return waiting.size();
    }

    public int numRunning() {
        return running.size();
    }

    public boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    public KvCacheManager kvCache() {
        return kv;
    }

    /** Running sequences plus the siblings running ones will fork once their prompt is computed. */
    private int occupiedSlots() {
        int slots = running.size();
        for (Sequence sequence : running) {
            slots += pendingSiblings.getOrDefault(sequence, 0);
        }
        return slots;
    }

    private static boolean isInPrompt(Sequence sequence) {
        return sequence.numComputedTokens() < sequence.length() - 1
                || (sequence.numComputedTokens() < sequence.length() && sequence.length() == sequence.promptLength());
    }

    private ScheduledChunk chunk(Sequence sequence, int count) {
        boolean completes = sequence.numComputedTokens() + count == sequence.length();
        // A beam search's first beam draws once (its top candidates); the engine forks the other beams from it.
        int samples = !completes ? 0 : sequence.isBeam() ? 1 : 1 + pendingSiblings.getOrDefault(sequence, 0);
        boolean allLogits = sequence.wantsPromptLogits() && sequence.numComputedTokens() < sequence.promptLength();
        return new ScheduledChunk(sequence, sequence.numComputedTokens(), count, samples, allLogits);
    }

    /**
     * Finds blocks for a running sequence's next {@code count} tokens; under MAX_UTILIZATION preempts the
     * lowest-priority, newest running sequences until they fit (possibly the sequence itself).
     */
    private boolean reserve(Sequence sequence, int count, List<Sequence> preempted) {
        while (!kv.canAllocate(sequence.kv(), count)) {
            if (config.policy() == SchedulerPolicy.GUARANTEED_NO_EVICT) {
                return false; // cannot happen when admission reserved correctly; the sequence simply waits a step
            }
            Sequence victim = newestPreemptible();
            if (victim == null) {
                return false;
            }
            preempt(victim);
            preempted.add(victim);
            if (victim == sequence) {
                return false;
            }
        }
        kv.allocate(sequence.kv(), count);
        return true;
    }

    /** The lowest-priority, newest running sequence that is not a beam (beams step together), if any. */
    private Sequence newestPreemptible() {
        for (int i = running.size() - 1; i >= 0; i--) {
            if (!running.get(i).isBeam()) {
                return running.get(i);
            }
        }
        return null;
    }

    private void preempt(Sequence victim) {
        running.remove(victim);
        kv.free(victim.kv());
        victim.preempted();
        waiting.add(victim);
    }

    private boolean admissible(Sequence next, int cached, int count, int siblings) {
        if (config.policy() == SchedulerPolicy.MAX_UTILIZATION && !next.isBeam()) {
            return kv.canAllocate(next.kv(), count);
        }
        // GUARANTEED_NO_EVICT: the whole request must fit beside what the running sequences may still grow into.
        int reservedByRunning = 0;
        for (Sequence sequence : running) {
            reservedByRunning += Math.max(0, kv.blocksFor(sequence.maxLength() - 1) - sequence.kv().numBlocks())
                    + pendingSiblings.getOrDefault(sequence, 0) * siblingBlocks(sequence);
        }
        int needed = kv.freeBlocksNeeded(next.kv(), next.maxLength() - 1) + siblings * siblingBlocks(next);
        return needed + reservedByRunning <= kv.numFreeBlocks();
    }

    /** Blocks a sibling fork needs of its own: everything past the shared full prompt blocks. */
    private int siblingBlocks(Sequence sequence) {
        return kv.blocksFor(sequence.maxLength() - 1) - sequence.promptLength() / kv.blockSize();
    }

    private void insertRunning(Sequence sequence) {
        int index = 0;
        while (index < running.size() && ORDER.compare(running.get(index), sequence) <= 0) {
            index++;
        }
        running.add(index, sequence);
    }

    private static boolean contains(List<ScheduledChunk> chunks, Sequence sequence) {
        for (ScheduledChunk chunk : chunks) {
            if (chunk.sequence() == sequence) {
                return true;
            }
        }
        return false;
    }
}
