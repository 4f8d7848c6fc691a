package ai.jllm.cuda;

import static ai.jllm.cuda.DeviceTensors.BF16_TOLERANCE;
import static ai.jllm.cuda.DeviceTensors.assertClose;
import static ai.jllm.cuda.DeviceTensors.nans;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.kvcache.KvQuantizer;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every CUDA op against the CPU backend (the float32 reference) on fresh random inputs, with the CUDA outputs
 * poisoned with NaN beforehand so an element the kernel never wrote fails the test. Inputs are drawn
 * bf16-representable, so both backends see the same numbers and the difference is the CUDA backend's bf16 outputs and
 * summation order: within {@link DeviceTensors#BF16_TOLERANCE} by normalized error.
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaOpsTest {

    private CudaBackend cuda;
    private CpuBackend cpu;
    private Arena arena;
    private DeviceTensors random;

    @BeforeAll
    void start() {
        cpu = new CpuBackend(4);
        arena = Arena.ofShared();
        cuda = CudaBackend.create();
        System.out.println(cuda.description());
    }

    @AfterAll
    void stop() {
        if (cuda != null) {
            cuda.close();
        }
        cpu.close();
        arena.close();
    }

    @BeforeEach
    void seed(TestInfo test) {
        long seed = System.nanoTime();
        System.out.println(test.getDisplayName() + ": seed " + seed);
        random = new DeviceTensors(seed, arena);
    }

    /** A CUDA tensor holding {@code values} (rounded to {@code dtype}). */
    private Tensor onCuda(DType dtype, float[] values, long... shape) {
        Tensor tensor = cuda.allocate(dtype, shape);
        cuda.write(tensor, values);
        return tensor;
    }

    /** A CUDA output tensor filled with NaN. */
    private Tensor poisoned(DType dtype, long... shape) {
        Tensor tensor = cuda.allocate(dtype, shape);
        cuda.write(tensor, nans(Math.toIntExact(CudaTensor.of(tensor).elements())));
        return tensor;
    }

    private static float[] read(Backend backend, Tensor tensor, int rows, int width) {
        float[] values = new float[rows * width];
        backend.copyToHost(tensor, rows, values);
        return values;
    }

    @ParameterizedTest
    @CsvSource({"300, 256, 7", "97, 100, 33"})
    void embeddingGathersRows(int vocabulary, int hidden, int tokens) {
        TensorView table = random.view("embed", random.bf16Values(vocabulary * hidden, 1), DType.BF16, vocabulary,
                hidden);
        int[] ids = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            ids[t] = random.nextInt(vocabulary);
        }
        ForwardBatch batch = new ForwardBatch(64, 1, 16, 4, 1);
        batch.addSequence(ids, 0, tokens, 0, new int[] {0, 1, 2, 3}, 4, ForwardBatch.Logits.NONE);
        Tensor expected = cpu.allocate(DType.F32, tokens, hidden);
        cpu.embedding(cpu.upload(table), batch, expected);
        Tensor actual = poisoned(DType.BF16, tokens, hidden);
        cuda.prepare(batch);
        cuda.embedding(cuda.upload(table), batch, actual);
        assertThat(read(cuda, actual, tokens, hidden)).containsExactly(read(cpu, expected, tokens, hidden));
    }

    @ParameterizedTest
    @CsvSource({"1, 64", "7, 1000", "33, 4096"})
    void rmsNormMatchesCpu(int rows, int width) {
        float[] x = random.bf16Values(rows * width, 3);
        TensorView weight = random.view("norm", random.bf16Values(width, 1.5), DType.F32, width);
        Tensor expected = cpu.allocate(DType.F32, rows, width);
        cpu.rmsNorm(cpu.upload(x, rows, width), cpu.upload(weight), 1e-6f, rows, expected);
        Tensor actual = poisoned(DType.BF16, rows, width);
        cuda.rmsNorm(onCuda(DType.BF16, x, rows, width), cuda.upload(weight), 1e-6f, rows, actual);
        assertClose(read(cuda, actual, rows, width), read(cpu, expected, rows, width), rows * width, BF16_TOLERANCE,
                "rmsNorm");
    }

    @ParameterizedTest
    @CsvSource({"1, 64", "9, 896", "40, 4096"})
    void addRmsNormUpdatesStreamAndNormalizes(int rows, int width) {
        float[] stream = random.bf16Values(rows * width, 2);
        float[] delta = random.bf16Values(rows * width, 2);
        TensorView weight = random.view("norm", random.bf16Values(width, 1.5), DType.BF16, width);
        Tensor cpuStream = cpu.upload(stream, rows, width);
        Tensor expected = cpu.allocate(DType.F32, rows, width);
        cpu.addRmsNorm(cpuStream, cpu.upload(delta, rows, width), cpu.upload(weight), 1e-5f, rows, expected);
        Tensor cudaStream = onCuda(DType.BF16, stream, rows, width);
        Tensor actual = poisoned(DType.BF16, rows, width);
        cuda.addRmsNorm(cudaStream, onCuda(DType.BF16, delta, rows, width), cuda.upload(weight), 1e-5f, rows,
                actual);
        assertClose(read(cuda, cudaStream, rows, width), read(cpu, cpuStream, rows, width), rows * width,
                BF16_TOLERANCE, "residual stream");
        assertClose(read(cuda, actual, rows, width), read(cpu, expected, rows, width), rows * width, BF16_TOLERANCE,
                "addRmsNorm");
    }

    /** Fused parts stored in each checkpoint type, with and without bias, for decode- and prefill-sized batches. */
    @ParameterizedTest
    @CsvSource({
        "1, 256, BF16, false, BF16",
        "5, 896, F32, true, BF16",
        "64, 512, F16, true, BF16",
        "3, 384, BF16, false, F32",
        "130, 1024, F32, false, F32"})
    void linearMatchesCpu(int rows, int in, DType stored, boolean bias, DType outType) {
        int[] partRows = {in / 2, in / 4, 96};
        List<TensorView> weights = new java.util.ArrayList<>();
        List<TensorView> biases = new java.util.ArrayList<>();
        int out = 0;
        for (int p = 0; p < partRows.length; p++) {
            weights.add(random.view("w" + p, random.bf16Values(partRows[p] * in, 0.05), stored, partRows[p], in));
            if (bias) {
                biases.add(random.view("b" + p, random.bf16Values(partRows[p], 1), stored, partRows[p]));
            }
            out += partRows[p];
        }
        float[] x = random.bf16Values(rows * in, 1);
        LinearWeights cpuLinear = cpu.linear(weights, biases);
        Tensor expected = cpu.allocate(DType.F32, rows, out);
        cpu.linear(cpu.upload(x, rows, in), cpuLinear, rows, expected);
        LinearWeights cudaLinear = cuda.linear(weights, biases);
        assertThat(cudaLinear.outFeatures()).isEqualTo(out);
        assertThat(cudaLinear.hasBias()).isEqualTo(bias);
        Tensor actual = poisoned(outType, rows, out);
        cuda.linear(onCuda(DType.BF16, x, rows, in), cudaLinear, rows, actual);
        assertClose(read(cuda, actual, rows, out), read(cpu, expected, rows, out), rows * out, BF16_TOLERANCE,
                "linear " + stored + (bias ? " + bias" : "") + " -> " + outType);
    }

    @ParameterizedTest
    @CsvSource({"3, 4, 2, 32", "17, 16, 8, 128"})
    void qkNormNormalizesEveryHead(int rows, int heads, int kvHeads, int headDim) {
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, 1f, OptionalInt.empty());
        int width = shape.qkvSize();
        float[] qkv = random.bf16Values(rows * width, 4);
        TensorView qWeight = random.view("q_norm", random.bf16Values(headDim, 2), DType.BF16, headDim);
        TensorView kWeight = random.view("k_norm", random.bf16Values(headDim, 2), DType.BF16, headDim);
        Tensor expected = cpu.upload(qkv, rows, width);
        cpu.qkNorm(expected, cpu.upload(qWeight), cpu.upload(kWeight), 1e-6f, shape, rows);
        Tensor actual = onCuda(DType.BF16, qkv, rows, width);
        cuda.qkNorm(actual, cuda.upload(qWeight), cuda.upload(kWeight), 1e-6f, shape, rows);
        assertClose(read(cuda, actual, rows, width), read(cpu, expected, rows, width), rows * width, BF16_TOLERANCE,
                "qkNorm");
    }

    @ParameterizedTest
    @CsvSource({"4000, 3", "896, 1", "128, 70"})
    void siluMulMatchesCpu(int intermediate, int rows) {
        float[] gateUp = random.bf16Values(rows * 2 * intermediate, 6);
        Tensor expected = cpu.allocate(DType.F32, rows, intermediate);
        cpu.siluMul(cpu.upload(gateUp, rows, 2L * intermediate), rows, expected);
        Tensor actual = poisoned(DType.BF16, rows, intermediate);
        cuda.siluMul(onCuda(DType.BF16, gateUp, rows, 2L * intermediate), rows, actual);
        assertClose(read(cuda, actual, rows, intermediate), read(cpu, expected, rows, intermediate),
                rows * intermediate, BF16_TOLERANCE, "siluMul");
    }

    @Test
    void gatherLogitsRowsPicksTheBatchRows() {
        int width = 200;
        int tokens = 12;
        float[] x = random.bf16Values(tokens * width, 1);
        int[] ids = new int[tokens];
        ForwardBatch batch = new ForwardBatch(16, 3, 16, 2, 8);
        batch.addSequence(ids, 0, 5, 0, new int[] {0}, 1, ForwardBatch.Logits.LAST);
        batch.addSequence(ids, 0, 4, 0, new int[] {1}, 1, ForwardBatch.Logits.ALL);
        batch.addSequence(ids, 0, 3, 0, new int[] {2}, 1, ForwardBatch.Logits.NONE);
        int logits = batch.numLogits();
        Tensor expected = cpu.allocate(DType.F32, 8, width);
        cpu.gatherLogitsRows(cpu.upload(x, tokens, width), batch, expected);
        Tensor actual = poisoned(DType.BF16, 8, width);
        cuda.prepare(batch);
        cuda.gatherLogitsRows(onCuda(DType.BF16, x, tokens, width), batch, actual);
        assertThat(read(cuda, actual, logits, width)).containsExactly(read(cpu, expected, logits, width));
    }

    /**
     * Rope + KV write + attention over two steps of a mixed batch: step 1 fills the cache for a sequence's first
     * positions and starts others; step 2 runs a whole prompt, a prefill chunk that continues step 1's sequence and a
     * decode token, with block tables out of order. Queries, the cache and the attention output are all compared.
     */
    @ParameterizedTest
    @CsvSource({
        "8, 2, 64, 0, AUTO",
        "4, 4, 128, 0, AUTO",
        "14, 2, 64, 7, AUTO",
        "6, 1, 256, 0, AUTO",
        "4, 2, 32, 0, AUTO",
        "8, 2, 64, 0, FP8",
        "4, 4, 128, 0, FP8",
        "14, 2, 64, 7, FP8",
        "6, 1, 256, 0, FP8",
        "8, 2, 64, 0, INT8",
        "4, 4, 128, 0, INT8",
        "14, 2, 64, 7, INT8",
        "4, 2, 32, 0, INT8"})
    void ropeCacheAndAttentionMatchCpuOnMixedBatches(int heads, int kvHeads, int headDim, int window,
                                                     KvCacheDtype kvDtype) {
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)),
                window > 0 ? OptionalInt.of(window) : OptionalInt.empty());
        int blockSize = 16;
        int numBlocks = 16;
        int maxPositions = 128;
        int width = shape.qkvSize();
        float[] table = ropeTable(maxPositions, headDim);
        Tensor cpuTable = cpu.upload(table, maxPositions, headDim);
        Tensor cudaTable = cuda.upload(table, maxPositions, headDim);
        KvCache cpuCache = cpu.allocateKvCache(2, numBlocks, blockSize, kvHeads, headDim, kvDtype);
        KvCache cudaCache = cuda.allocateKvCache(2, numBlocks, blockSize, kvHeads, headDim, kvDtype);
        int layer = 1;
        int[] tokens = new int[64];
        int[] chunkedTable = {9, 3, 14, 0};
        int[] promptTable = {5, 11, 2};
        int[] decodeTable = {7, 12, 1, 4};

        ForwardBatch first = new ForwardBatch(128, 4, blockSize, 4, 64);
        first.addSequence(tokens, 0, 20, 0, chunkedTable, 4, ForwardBatch.Logits.NONE);
        first.addSequence(tokens, 0, 50, 0, decodeTable, 4, ForwardBatch.Logits.NONE);
        runAttentionStep(first, shape, width, cpuTable, cudaTable, cpuCache, cudaCache, layer, "step 1");

        ForwardBatch second = new ForwardBatch(64, 4, blockSize, 4, 64);
        second.addSequence(tokens, 0, 37, 0, promptTable, 3, ForwardBatch.Logits.LAST);
        second.addSequence(tokens, 0, 13, 20, chunkedTable, 3, ForwardBatch.Logits.LAST);
        second.addSequence(tokens, 0, 1, 50, decodeTable, 4, ForwardBatch.Logits.LAST);
        runAttentionStep(second, shape, width, cpuTable, cudaTable, cpuCache, cudaCache, layer, "step 2");
    }

    /**
     * Decode steps over long contexts, where the keys are split among blocks and merged (flash-decoding): a long
     * prompt written in one step, then a decode token of it batched with a decode of a short sequence.
     */
    @ParameterizedTest
    @CsvSource({"8, 2, 64, 0, AUTO", "4, 4, 128, 0, AUTO", "14, 2, 64, 100, AUTO", "2, 1, 256, 0, AUTO",
        "8, 2, 64, 0, FP8", "4, 4, 128, 0, FP8", "14, 2, 64, 100, FP8", "8, 2, 64, 0, INT8", "2, 1, 256, 0, INT8"})
    void splitKeyDecodeMatchesCpu(int heads, int kvHeads, int headDim, int window, KvCacheDtype kvDtype) {
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)),
                window > 0 ? OptionalInt.of(window) : OptionalInt.empty());
        int blockSize = 16;
        int maxPositions = 512;
        float[] table = ropeTable(maxPositions, headDim);
        Tensor cpuTable = cpu.upload(table, maxPositions, headDim);
        Tensor cudaTable = cuda.upload(table, maxPositions, headDim);
        KvCache cpuCache = cpu.allocateKvCache(1, 32, blockSize, kvHeads, headDim, kvDtype);
        KvCache cudaCache = cuda.allocateKvCache(1, 32, blockSize, kvHeads, headDim, kvDtype);
        int[] tokens = new int[512];
        int[] longTable = new int[22];
        for (int i = 0; i < longTable.length; i++) {
            longTable[i] = (i * 7 + 3) % 22 + 10;
        }
        int[] shortTable = {4};

        ForwardBatch prompt = new ForwardBatch(400, 2, blockSize, 22, 2);
        prompt.addSequence(tokens, 0, 345, 0, longTable, 22, ForwardBatch.Logits.LAST);
        prompt.addSequence(tokens, 0, 5, 0, shortTable, 1, ForwardBatch.Logits.LAST);
        runAttentionStep(prompt, shape, shape.qkvSize(), cpuTable, cudaTable, cpuCache, cudaCache, 0, "prompt");
        for (int step = 0; step < 3; step++) {
            ForwardBatch decode = new ForwardBatch(4, 2, blockSize, 22, 2);
            decode.addSequence(tokens, 0, 1, 345 + step, longTable, 22, ForwardBatch.Logits.LAST);
            decode.addSequence(tokens, 0, 1, 5 + step, shortTable, 1, ForwardBatch.Logits.LAST);
            runAttentionStep(decode, shape, shape.qkvSize(), cpuTable, cudaTable, cpuCache, cudaCache, 0,
                    "decode " + step);
        }
    }

    private void runAttentionStep(ForwardBatch batch, AttentionShape shape, int width, Tensor cpuTable,
                                  Tensor cudaTable, KvCache cpuCache, KvCache cudaCache, int layer, String step) {
        int rows = batch.numTokens();
        float[] qkv = random.bf16Values(rows * width, 2);
        Tensor cpuQkv = cpu.upload(qkv, rows, width);
        Tensor expected = cpu.allocate(DType.F32, rows, shape.qSize());
        cpu.prepare(batch);
        cpu.ropeAndWriteKv(cpuQkv, cpuTable, shape, cpuCache, layer, batch);
        cpu.attention(cpuQkv, cpuCache, layer, shape, batch, expected);

        Tensor cudaQkv = onCuda(DType.BF16, qkv, rows, width);
        Tensor actual = poisoned(DType.BF16, rows, shape.qSize());
        cuda.prepare(batch);
        cuda.ropeAndWriteKv(cudaQkv, cudaTable, shape, cudaCache, layer, batch);
        cuda.attention(cudaQkv, cudaCache, layer, shape, batch, actual);

        float[] rotated = read(cuda, cudaQkv, rows, width);
        assertClose(rotated, read(cpu, cpuQkv, rows, width), rows * width, BF16_TOLERANCE, step + ": rotated qkv");
        float[] keys = cuda.readCache(cudaCache, layer, true);
        float[] values = cuda.readCache(cudaCache, layer, false);
        int kvSize = shape.kvSize();
        KvCacheDtype kvDtype = cudaCache.dtype();
        if (kvDtype.quantized()) {
            // The cache holds exactly what KvQuantizer makes of the rotated bf16 keys and the values, row by row.
            roundTripKeysAndValues(rotated, rows, width, shape, kvDtype);
        }
        for (int t = 0; t < rows; t++) {
            int slot = batch.slotMapping()[t];
            for (int i = 0; i < kvSize; i++) {
                assertThat(keys[slot * kvSize + i]).as(step + ": key of row " + t).isEqualTo(
                        rotated[t * width + shape.qSize() + i]);
                assertThat(values[slot * kvSize + i]).as(step + ": value of row " + t).isEqualTo(
                        rotated[t * width + shape.qSize() + kvSize + i]);
            }
        }
        float[] actualOut = read(cuda, actual, rows, shape.qSize());
        float[] expectedOut = read(cpu, expected, rows, shape.qSize());
        System.out.printf("%s cache, %s: attention relative error %.2e%n", kvDtype, step,
                DeviceTensors.relativeError(actualOut, expectedOut, rows * shape.qSize()));
        assertClose(actualOut, expectedOut, rows * shape.qSize(),
                kvDtype.quantized() ? EIGHT_BIT_CACHE_TOLERANCE : BF16_TOLERANCE, step + ": attention");
    }

    /**
     * The CPU quantizes its float32 rotated keys, CUDA the same keys rounded to bf16: a key near a rounding boundary of
     * the 8-bit grid (steps of 2^-4 relative for E4M3) may land one code apart, besides CUDA's bf16 output.
     */
    static final double EIGHT_BIT_CACHE_TOLERANCE = 3e-2;

    /** Every (token, kv head) row of keys and values of qkv [rows, width] quantized and dequantized in place. */
    private static void roundTripKeysAndValues(float[] qkv, int rows, int width, AttentionShape shape,
                                               KvCacheDtype dtype) {
        int d = shape.headDim();
        byte[] codes = new byte[d];
        for (int t = 0; t < rows; t++) {
            for (int h = 0; h < 2 * shape.numKvHeads(); h++) {
                int offset = t * width + shape.qSize() + h * d;
                float scale = KvQuantizer.quantize(dtype, qkv, offset, d, codes, 0);
                for (int i = 0; i < d; i++) {
                    qkv[offset + i] = KvQuantizer.decode(dtype, codes[i]) * scale;
                }
            }
        }
    }

    /** The rotary table layout the ops read: cos in [0, headDim/2), sin in [headDim/2, headDim). */
    static float[] ropeTable(int positions, int headDim) {
        int half = headDim / 2;
        float[] table = new float[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p / Math.pow(10000, 2.0 * i / headDim);
                table[p * headDim + i] = (float) Math.cos(angle);
                table[p * headDim + half + i] = (float) Math.sin(angle);
            }
        }
        return table;
    }
}
