package ai.jllm.scheduler;

import ai.jllm.kvcache.KvSequence;
import java.util.Arrays;

/**
 * One token sequence the scheduler runs: a request's prompt and one of its samples. What the scheduler needs to
 * decide a step (tokens known, tokens computed, blocks held, priority, age); the engine keeps the output state.
 */
public final class Sequence {

    public enum Status { WAITING, RUNNING, FINISHED }

    private final String requestId;
    private final int sampleIndex;
    private final int priority;
    private final long arrival;
    private final int promptLength;
    private final int maxLength;
    private final KvSequence kv;
    private int[] tokens;
    private int length;
    private int numComputedTokens;
    private int numCachedTokens;
    private int numPreemptions;
    private boolean prefixMatched;
    private boolean wantsPromptLogits;
    private boolean beam;
    Status status = Status.WAITING;

    /**
     * @param arrival   submission order, for first-come-first-served among equal priorities
     * @param maxLength prompt plus the most tokens it may generate
     */
    public Sequence(String requestId, int sampleIndex, int priority, long arrival, int[] tokens, int length,
                    int promptLength, int maxLength, KvSequence kv) {
        if (length <= 0 || promptLength <= 0 || promptLength > length || maxLength <= promptLength) {
            throw new IllegalArgumentException("bad sequence lengths: " + length + " tokens, prompt " + promptLength
                    + ", max " + maxLength);
        }
        this.requestId = requestId;
        this.sampleIndex = sampleIndex;
        this.priority = priority;
        this.arrival = arrival;
        this.tokens = Arrays.copyOf(tokens, Math.max(length, Math.min(maxLength, length + 64)));
        this.length = length;
        this.promptLength = promptLength;
        this.maxLength = maxLength;
        this.kv = kv;
    }

    /** Appends a generated token. */
    public void append(int token) {
        if (length == maxLength) {
            throw new IllegalStateException(this + " is at its maximum length " + maxLength);
        }
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.min(maxLength, tokens.length * 2));
        }
        tokens[length++] = token;
    }

    /**
     * Asks for the logits of every prompt position (prompt logprobs): the prompt is then computed in full, never
     * taken from the prefix cache, in chunks the logits buffer can hold.
     */
    public void requestPromptLogits() {
        wantsPromptLogits = true;
    }

    public boolean wantsPromptLogits() {
        return wantsPromptLogits;
    }

    /**
     * Marks a beam of a beam search. All beams of a request must step together, so the scheduler admits beam searches
     * only with room reserved for every beam at full length, and never preempts a beam.
     */
    public void markBeam() {
        beam = true;
    }

    public boolean isBeam() {
        return beam;
    }

    /** A copy of this sequence for a parallel sample that shares its KV blocks (n > 1, beam search). */
    public Sequence fork(int sampleIndex, KvSequence childKv) {
        Sequence child = new Sequence(requestId, sampleIndex, priority, arrival, tokens, length, promptLength,
                maxLength, childKv);
        child.numComputedTokens = numComputedTokens;
        child.numCachedTokens = numCachedTokens;
        child.prefixMatched = true;
        child.wantsPromptLogits = wantsPromptLogits;
        child.beam = beam;
        child.status = status;
        return child;
    }

    public String requestId() {
        return requestId;
    }

    public int sampleIndex() {
        return sampleIndex;
    }

    public int priority() {
        return priority;
    }

    public long arrival() {
        return arrival;
    }

    /** All tokens known so far: prompt then output. Only the first {@link #length()} entries count. */
    public int[] tokens() {
        return tokens;
    }

    public int length() {
        return length;
    }

    public int promptLength() {
        return promptLength;
    }

    public int outputLength() {
        return length - promptLength;
    }

    public int maxLength() {
        return maxLength;
    }

    public KvSequence kv() {
        return kv;
    }

    /** Tokens whose keys and values are in the cache. */
    public int numComputedTokens() {
        return numComputedTokens;
    }

    /** Prompt tokens found in the prefix cache when the sequence was first admitted. */
    public int numCachedTokens() {
        return numCachedTokens;
    }

    public int numPreemptions() {
        return numPreemptions;
    }

    public Status status() {
        return status;
    }

    public boolean isFinished() {
        return status == Status.FINISHED;
    }

    /** The engine marks a sequence finished; the scheduler frees its blocks at the next update. */
    public void finish() {
        status = Status.FINISHED;
    }

    void computed(int numTokens) {
        numComputedTokens += numTokens;
    }

    void admitted(int cachedTokens) {
        numComputedTokens = cachedTokens;
        if (!prefixMatched) {
            numCachedTokens = cachedTokens;
            prefixMatched = true;
        }
        status = Status.RUNNING;
    }

    void preempted() {
        numComputedTokens = 0;
        numPreemptions++;
        status = Status.WAITING;
    }

    @Override
    public String toString() {
        return "Sequence[" + requestId + "#" + sampleIndex + ", " + length + " tokens, " + numComputedTokens
                + " computed, " + status + "]";
    }
}
