package ai.jllm.backend;

/**
 * What one forward step's work depends on apart from the metadata {@link Backend#prepare} uploads: its sizes and the
 * cache it reads and writes. Two steps of equal shape enqueue the same ops on the same buffers, which is what lets a
 * device backend record a step once and replay it (CUDA graphs).
 *
 * @param decodeOnly every sequence of the step contributes exactly one token and asks for its logits
 */
public record StepShape(KvCache cache, int numTokens, int numSequences, int numLogits, int maxBlocksPerSequence,
                        boolean decodeOnly) {

    public static StepShape of(ForwardBatch batch, KvCache cache) {
        boolean decodeOnly = batch.numTokens() == batch.numSequences() && batch.numLogits() == batch.numSequences();
        return new StepShape(cache, batch.numTokens(), batch.numSequences(), batch.numLogits(),
                batch.maxBlocksPerSequence(), decodeOnly);
    }

    /** Records compare caches by identity: a step replays only on the very cache it was recorded with. */
    @Override
    public boolean equals(Object other) {
        return other instanceof StepShape that && cache == that.cache && numTokens == that.numTokens
                && numSequences == that.numSequences && numLogits == that.numLogits
                && maxBlocksPerSequence == that.maxBlocksPerSequence && decodeOnly == that.decodeOnly;
    }

    @Override
    public int hashCode() {
        return ((System.identityHashCode(cache) * 31 + numTokens) * 31 + numSequences) * 31 + numLogits;
    }
}
