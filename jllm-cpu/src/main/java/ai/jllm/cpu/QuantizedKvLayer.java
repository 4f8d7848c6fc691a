package ai.jllm.cpu;

import ai.jllm.config.KvCacheDtype;
import ai.jllm.kvcache.KvQuantizer;

/**
 * A KV-cache layer of 8-bit codes (E4M3 or int8) with an fp32 scale per (token, kv head).
 * keyCodes, valueCodes: [numSlots, numKvHeads × headDim] bytes; keyScales, valueScales: [numSlots, numKvHeads].
 * Writes quantize with {@link KvQuantizer}; reads decode each code through a 256-entry table and apply the row's scale
 * once per dot product (keys) or folded into the weight (values).
 */
final class QuantizedKvLayer implements CpuKvLayer {

    private final KvCacheDtype dtype;
    private final byte[] keyCodes;
    private final byte[] valueCodes;
    private final float[] keyScales;
    private final float[] valueScales;
    /** decoded[code & 0xff]: the code's value before its scale. */
    private final float[] decoded = new float[256];
    private final int blockSize;
    private final int numKvHeads;
    private final int headDim;
    private final int kvSize;

    QuantizedKvLayer(KvCacheDtype dtype, int numSlots, int blockSize, int numKvHeads, int headDim) {
        this.dtype = dtype;
        this.kvSize = numKvHeads * headDim;
        this.keyCodes = new byte[numSlots * kvSize];
        this.valueCodes = new byte[numSlots * kvSize];
        this.keyScales = new float[numSlots * numKvHeads];
        this.valueScales = new float[numSlots * numKvHeads];
        this.blockSize = blockSize;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        for (int code = 0; code < 256; code++) {
            decoded[code] = KvQuantizer.decode(dtype, (byte) code);
        }
    }

    @Override
    public void write(int slot, float[] row, int keyOffset, int valueOffset) {
        for (int h = 0; h < numKvHeads; h++) {
            int codes = slot * kvSize + h * headDim;
            keyScales[slot * numKvHeads + h] = KvQuantizer.quantize(dtype, row, keyOffset + h * headDim, headDim,
                    keyCodes, codes);
            valueScales[slot * numKvHeads + h] = KvQuantizer.quantize(dtype, row, valueOffset + h * headDim, headDim,
                    valueCodes, codes);
        }
    }

    @Override
    public float dotKey(float[] q, int qOffset, int slot, int kvHead) {
        int codes = slot * kvSize + kvHead * headDim;
        float sum = 0f;
        for (int i = 0; i < headDim; i++) {
            sum += q[qOffset + i] * decoded[keyCodes[codes + i] & 0xff];
        }
        return sum * keyScales[slot * numKvHeads + kvHead];
    }

    @Override
    public void addValue(float weight, int slot, int kvHead, float[] out, int outOffset) {
        int codes = slot * kvSize + kvHead * headDim;
        float scaled = weight * valueScales[slot * numKvHeads + kvHead];
        for (int i = 0; i < headDim; i++) {
            out[outOffset + i] += scaled * decoded[valueCodes[codes + i] & 0xff];
        }
    }

    @Override
    public void copyBlock(int source, int destination) {
        int blockCodes = blockSize * kvSize;
        System.arraycopy(keyCodes, source * blockCodes, keyCodes, destination * blockCodes, blockCodes);
        System.arraycopy(valueCodes, source * blockCodes, valueCodes, destination * blockCodes, blockCodes);
        int blockScales = blockSize * numKvHeads;
        System.arraycopy(keyScales, source * blockScales, keyScales, destination * blockScales, blockScales);
        System.arraycopy(valueScales, source * blockScales, valueScales, destination * blockScales, blockScales);
    }

    @Override
    public long bytes() {
        return 2L * keyCodes.length + 2L * keyScales.length * Float.BYTES;
    }
}
