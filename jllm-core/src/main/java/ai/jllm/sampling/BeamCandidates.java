package ai.jllm.sampling;

/**
 * A preallocated list of beam continuations (beam, token), best first, as {@link BeamSearch} fills it: the beam's
 * index among the live beams, the token, the token's log probability and the beam's cumulative log probability with
 * it. Reused every step; nothing is allocated.
 */
public final class BeamCandidates {

    private final int[] beams;
    private final int[] tokenIds;
    private final float[] logprobs;
    private final double[] cumulativeLogprobs;
    private int size;

    public BeamCandidates(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.beams = new int[capacity];
        this.tokenIds = new int[capacity];
        this.logprobs = new float[capacity];
        this.cumulativeLogprobs = new double[capacity];
    }

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return beams.length;
    }

    public int beam(int index) {
        return beams[check(index)];
    }

    public int tokenId(int index) {
        return tokenIds[check(index)];
    }

    public float logprob(int index) {
        return logprobs[check(index)];
    }

    public double cumulativeLogprob(int index) {
        return cumulativeLogprobs[check(index)];
    }

    /** Appends a candidate; the caller keeps the order. */
    void add(int beam, int tokenId, float logprob, double cumulativeLogprob) {
        insert(size, beam, tokenId, logprob, cumulativeLogprob);
    }

    /**
     * Puts a candidate at {@code index}, shifting later ones down; when the list is full the last one falls off.
     */
    void insert(int index, int beam, int tokenId, float logprob, double cumulativeLogprob) {
        if (index >= beams.length) {
            throw new IllegalStateException("beam candidates hold " + beams.length);
        }
        int last = Math.min(size, beams.length - 1);
        for (int i = last; i > index; i--) {
            beams[i] = beams[i - 1];
            tokenIds[i] = tokenIds[i - 1];
            logprobs[i] = logprobs[i - 1];
            cumulativeLogprobs[i] = cumulativeLogprobs[i - 1];
        }
        beams[index] = beam;
        tokenIds[index] = tokenId;
        logprobs[index] = logprob;
        cumulativeLogprobs[index] = cumulativeLogprob;
        size = Math.min(size + 1, beams.length);
    }

    private int check(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("candidate " + index + " of " + size);
        }
        return index;
    }
}
