package ai.jllm.backend;

/**
 * The paged key/value cache of one model, owned by a backend. For every layer it holds
 * {@code k, v: [numBlocks, blockSize, numKvHeads, headDim]}; a token's keys and values live at its
 * slot ({@code block * blockSize + offsetInBlock}). Which blocks belong to which sequence is bookkeeping
 * done in plain Java (the block tables in {@link ForwardBatch}); the cache itself only stores.
 */
public interface KvCache {

    int numLayers();

    int numBlocks();

    int blockSize();

    int numKvHeads();

    int headDim();

    /** Bytes of backend memory the cache occupies. */
    long bytes();
}
