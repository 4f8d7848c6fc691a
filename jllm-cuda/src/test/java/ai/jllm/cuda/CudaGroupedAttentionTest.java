package ai.jllm.cuda;

import static ai.jllm.cuda.DeviceTensors.assertClose;
import static ai.jllm.cuda.DeviceTensors.nans;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.Tensor;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.tensor.DType;
import java.lang.foreign.Arena;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The grouped decode attention (grouped_attention[_fp8|_int8] in attention.cu: a block per (token, KV head, split),
 * a warp per query head of the group), launched directly with 1 and 37 splits, against the CPU backend's attention (float32) on fresh random queries, keys and
 * values, the CUDA output poisoned with NaN. Prompts of 1, 17, 300 and 3000 tokens are written to the caches (rope +
 * KV write only), then decode steps of all four together and of the 3000-token one alone (the most splits, merged by
 * the last block), for GQA ratios 1, 4, 7 and 8, head sizes 64 and 128, bf16, fp8 and int8 caches, with and without a
 * sliding window. Tolerance: normalized error at most {@link DeviceTensors#BF16_TOLERANCE} (bf16 output), {@link
 * CudaOpsTest#EIGHT_BIT_CACHE_TOLERANCE} against the CPU with the same 8-bit cache; the measured error is printed.
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaGroupedAttentionTest {

    private static final int BLOCK_SIZE = 16;
    private static final int[] LENGTHS = {1, 17, 300, 3000};

    private CudaBackend cuda;
    private CpuBackend cpu;
    private Arena arena;
    private DeviceTensors random;

    @BeforeAll
    void start() {
        cpu = new CpuBackend(Math.max(1, Runtime.getRuntime().availableProcessors()));
        arena = Arena.ofShared();
        cuda = CudaBackend.create();
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

    @ParameterizedTest
    @CsvSource({
        "4, 4, 64, 0, AUTO",
        "32, 8, 128, 0, AUTO",
        "14, 2, 64, 0, AUTO",
        "16, 2, 128, 0, AUTO",
        "14, 2, 128, 1000, AUTO",
        "4, 4, 128, 0, FP8",
        "32, 8, 128, 0, FP8",
        "14, 2, 64, 0, FP8",
        "16, 2, 64, 500, FP8",
        "4, 4, 64, 0, INT8",
        "8, 2, 128, 0, INT8",
        "14, 2, 128, 0, INT8",
        "16, 2, 64, 0, INT8"})
    void decodeOverLongAndShortContextsMatchesCpu(int heads, int kvHeads, int headDim, int window,
                                                  KvCacheDtype dtype) {
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)),
                window > 0 ? OptionalInt.of(window) : OptionalInt.empty());
        int steps = 2;
        int[][] tables = new int[LENGTHS.length][];
        int next = 0;
        int maxBlocks = 0;
        for (int s = 0; s < LENGTHS.length; s++) {
            tables[s] = new int[(LENGTHS[s] + steps + BLOCK_SIZE - 1) / BLOCK_SIZE];
            maxBlocks = Math.max(maxBlocks, tables[s].length);
            next += tables[s].length;
        }
        int numBlocks = next;
        // Blocks handed out in a shuffled order so that no sequence's blocks are contiguous.
        int[] order = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            order[i] = i;
        }
        for (int i = numBlocks - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        next = 0;
        for (int[] table : tables) {
            for (int b = 0; b < table.length; b++) {
                table[b] = order[next++];
            }
        }
        KvCache cpuCache = cpu.allocateKvCache(1, numBlocks, BLOCK_SIZE, kvHeads, headDim, dtype);
        KvCache cudaCache = cuda.allocateKvCache(1, numBlocks, BLOCK_SIZE, kvHeads, headDim, dtype);
        int maxPositions = LENGTHS[LENGTHS.length - 1] + steps;
        float[] rope = CudaOpsTest.ropeTable(maxPositions, headDim);
        Tensor[] ropeTables = {cpu.upload(rope, maxPositions, headDim), cuda.upload(rope, maxPositions, headDim)};
        int total = 0;
        for (int length : LENGTHS) {
            total += length;
        }
        int[] tokens = new int[total];

        ForwardBatch prompts = new ForwardBatch(total, LENGTHS.length, BLOCK_SIZE, maxBlocks, LENGTHS.length);
        for (int s = 0; s < LENGTHS.length; s++) {
            prompts.addSequence(tokens, 0, LENGTHS[s], 0, tables[s], tables[s].length, ForwardBatch.Logits.NONE);
        }
        writePrompts(prompts, shape, ropeTables, cpuCache, cudaCache);

        ForwardBatch all = new ForwardBatch(LENGTHS.length, LENGTHS.length, BLOCK_SIZE, maxBlocks, LENGTHS.length);
        for (int s = 0; s < LENGTHS.length; s++) {
            all.addSequence(tokens, 0, 1, LENGTHS[s], tables[s], tables[s].length, ForwardBatch.Logits.LAST);
        }
        compareDecode(all, shape, ropeTables, cpuCache, cudaCache, "decode of 1, 17, 300, 3000");

        int longest = LENGTHS.length - 1;
        ForwardBatch alone = new ForwardBatch(1, 1, BLOCK_SIZE, maxBlocks, 1);
        alone.addSequence(tokens, 0, 1, LENGTHS[longest] + 1, tables[longest], tables[longest].length,
                ForwardBatch.Logits.LAST);
        compareDecode(alone, shape, ropeTables, cpuCache, cudaCache, "decode of 3001 alone");
    }

    /** Rope + KV write of the prompts on both backends (their attention is the prefill kernel's, tested elsewhere). */
    private void writePrompts(ForwardBatch batch, AttentionShape shape, Tensor[] rope, KvCache cpuCache,
                              KvCache cudaCache) {
        int rows = batch.numTokens();
        int width = shape.qkvSize();
        float[] qkv = random.bf16Values(rows * width, 2);
        cpu.prepare(batch);
        cpu.ropeAndWriteKv(cpu.upload(qkv, rows, width), rope[0], shape, cpuCache, 0, batch);
        Tensor cudaQkv = cuda.allocate(DType.BF16, rows, width);
        cuda.write(cudaQkv, qkv);
        cuda.prepare(batch);
        cuda.ropeAndWriteKv(cudaQkv, rope[1], shape, cudaCache, 0, batch);
    }

    private void compareDecode(ForwardBatch batch, AttentionShape shape, Tensor[] rope, KvCache cpuCache,
                               KvCache cudaCache, String step) {
        int rows = batch.numTokens();
        int width = shape.qkvSize();
        float[] qkv = random.bf16Values(rows * width, 2);
        Tensor cpuQkv = cpu.upload(qkv, rows, width);
        Tensor expected = cpu.allocate(DType.F32, rows, shape.qSize());
        cpu.prepare(batch);
        cpu.ropeAndWriteKv(cpuQkv, rope[0], shape, cpuCache, 0, batch);
        cpu.attention(cpuQkv, cpuCache, 0, shape, batch, expected);

        Tensor cudaQkv = cuda.allocate(DType.BF16, rows, width);
        cuda.write(cudaQkv, qkv);
        Tensor actual = cuda.allocate(DType.BF16, rows, shape.qSize());
        cuda.write(actual, nans(rows * shape.qSize()));
        cuda.prepare(batch);
        cuda.ropeAndWriteKv(cudaQkv, rope[1], shape, cudaCache, 0, batch);
        float[] want = new float[rows * shape.qSize()];
        cpu.copyToHost(expected, rows, want);

        // The kernel launched directly (the backend takes it only for batches with at least a (token, KV head) per
        // multiprocessor), with one split (direct output) and with 37 (partials merged by the last block).
        CudaKvCache kv = CudaKvCache.of(cudaCache);
        StepMetadata metadata = cuda.metadata();
        Kernels kernels = cuda.kernels();
        int window = shape.slidingWindow().orElse(Integer.MAX_VALUE);
        for (int splits : new int[] {1, 37}) {
            Tensor partial = cuda.allocate(DType.F32, (long) rows * shape.numHeads() * splits,
                    shape.headDim() + 2);
            Tensor counters = cuda.allocate(DType.F32, rows, shape.numHeads());
            cuda.write(counters, new float[rows * shape.numHeads()]);
            cuda.write(actual, nans(rows * shape.qSize()));
            kernels.groupedAttention(kv.dtype(), CudaTensor.of(cudaQkv).pointer(), kv.layerKeys(0),
                    kv.layerValues(0), kv.layerKeyScales(0), kv.layerValueScales(0), metadata.positions(),
                    metadata.tokenSequence(), metadata.blockTables(), batch.maxBlocksPerSequence(),
                    batch.blockSize(), width, shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.scale(),
                    window, splits, CudaTensor.of(partial).pointer(), CudaTensor.of(counters).pointer(),
                    CudaTensor.of(actual).pointer(), shape.qSize(), rows);
            float[] got = new float[rows * shape.qSize()];
            cuda.copyToHost(actual, rows, got);
            KvCacheDtype dtype = cudaCache.dtype();
            double tolerance = dtype.quantized() ? CudaOpsTest.EIGHT_BIT_CACHE_TOLERANCE
                    : DeviceTensors.BF16_TOLERANCE;
            System.out.printf("grouped attention %s, %d splits, %d/%d heads of %d, window %s, %s cache: normalized "
                    + "error %.2e%n", step, splits, shape.numHeads(), shape.numKvHeads(), shape.headDim(),
                    shape.slidingWindow(), dtype, DeviceTensors.relativeError(got, want, got.length));
            assertClose(got, want, got.length, tolerance, step + ", " + splits + " splits: attention");
            // The last block of each (token, KV head) reset its counter: the next launch starts from zero.
            float[] left = new float[rows * shape.numHeads()];
            cuda.copyToHost(counters, rows, left);
            assertThat(left).containsOnly(0f);
        }
    }
}
