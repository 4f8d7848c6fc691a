package ai.jllm.cpu;

/** A KV-cache layer in float32.  keys, values: [numSlots, numKvHeads × headDim] */
final class FloatKvLayer implements CpuKvLayer {

    private final float[] keys;
    private final float[] values;
    private final int blockSize;
    private final int kvSize;
    private final int headDim;

    FloatKvLayer(int numSlots, int blockSize, int numKvHeads, int headDim) {
        this.kvSize = numKvHeads * headDim;
        this.keys = new float[numSlots * kvSize];
        this.values = new float[numSlots * kvSize];
        this.blockSize = blockSize;
        this.headDim = headDim;
    }

    @Override
    public void write(int slot, float[] row, int keyOffset, int valueOffset) {
        System.arraycopy(row, keyOffset, keys, slot * kvSize, kvSize);
        System.arraycopy(row, valueOffset, values, slot * kvSize, kvSize);
    }

    @Override
    public float dotKey(float[] q, int qOffset, int slot, int kvHead) {
        return VectorKernels.dot(q, qOffset, keys, slot * kvSize + kvHead * headDim, headDim);
    }

    @Override
    public void addValue(float weight, int slot, int kvHead, float[] out, int outOffset) {
        VectorKernels.axpy(weight, values, slot * kvSize + kvHead * headDim, out, outOffset, headDim);
    }

    @Override
    public void copyBlock(int source, int destination) {
        int blockFloats = blockSize * kvSize;
        System.arraycopy(keys, source * blockFloats, keys, destination * blockFloats, blockFloats);
        System.arraycopy(values, source * blockFloats, values, destination * blockFloats, blockFloats);
    }

    @Override
    public long bytes() {
        return 2L * keys.length * Float.BYTES;
    }
}
