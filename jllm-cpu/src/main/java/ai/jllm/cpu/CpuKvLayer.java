package ai.jllm.cpu;

/**
 * One layer of the CPU KV cache as the RoPE/KV write and attention use it, whatever its element type. Slots index
 * tokens: {@code slot = block * blockSize + offsetInBlock}; a slot holds {@code numKvHeads × headDim} keys and as many
 * values.
 */
interface CpuKvLayer {

    /** Stores one token's keys {@code row[keyOffset, + kvSize)} and values {@code row[valueOffset, + kvSize)}. */
    void write(int slot, float[] row, int keyOffset, int valueOffset);

    /** {@code q[qOffset, + headDim) · key(slot, kvHead)} */
    float dotKey(float[] q, int qOffset, int slot, int kvHead);

    /** {@code out[outOffset, + headDim) += weight × value(slot, kvHead)} */
    void addValue(float weight, int slot, int kvHead, float[] out, int outOffset);

    /** Copies every slot of block {@code source} to block {@code destination}. */
    void copyBlock(int source, int destination);

    long bytes();
}
