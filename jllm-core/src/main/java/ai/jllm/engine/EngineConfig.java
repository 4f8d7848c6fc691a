package ai.jllm.engine;

/**
 * The limits an engine is built with (TensorRT-LLM's build limits and KV-cache size).
 *
 * @param maxBatchSize  sequences that run together in one step
 * @param maxNumTokens  tokens one step may process (prefill chunks and decodes together)
 * @param maxSeqLen     prompt plus generated tokens of one sequence; also the rotary table's length
 * @param blockSize     tokens per KV-cache block
 * @param kvCacheTokens tokens the KV cache holds over all sequences (rounded up to whole blocks)
 */
public record EngineConfig(int maxBatchSize, int maxNumTokens, int maxSeqLen, int blockSize, int kvCacheTokens) {

    public EngineConfig {
        positive("max_batch_size", maxBatchSize);
        positive("max_num_tokens", maxNumTokens);
        positive("max_seq_len", maxSeqLen);
        positive("block_size", blockSize);
        positive("kv_cache_tokens", kvCacheTokens);
    }

    public int numKvBlocks() {
        return (kvCacheTokens + blockSize - 1) / blockSize;
    }

    public int maxBlocksPerSequence() {
        return (maxSeqLen + blockSize - 1) / blockSize;
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
