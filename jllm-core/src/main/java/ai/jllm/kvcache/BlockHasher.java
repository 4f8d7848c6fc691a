package ai.jllm.kvcache;

/**
 * The hash of one full block in a chain: {@code hash(parentHash, the block's tokens)}. The first block's parent hash
 * is the sequence's {@link ChainHash#root root hash}, which carries its {@link BlockHashKey}. Pluggable only so tests
 * can force collisions: the prefix cache verifies every hit exactly, so a weak hash costs hits, never correctness.
 */
@FunctionalInterface
interface BlockHasher {

    long hash(long parentHash, int[] tokens, int offset, int count);
}
