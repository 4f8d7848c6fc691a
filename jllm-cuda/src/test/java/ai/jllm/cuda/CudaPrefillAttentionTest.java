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
 * The tensor-core prefill attention (prefill_attention.cu) against the CPU backend's attention (float32) on fresh
 * random queries, keys and values, the CUDA output poisoned with NaN. Steps of packed sequences of mixed lengths with
 * block tables in a shuffled order; a second step continues some of them as chunked prefills (their first chunk read
 * back from the cache) beside a decode row. Every step runs through the launcher's choice of kernel, then through each
 * block size directly (8 warps, and 4 for head size 128), for bf16, fp8 and int8 caches (every kernel
 * prefill_attention[_fp8|_int8]_{64x8,128x8,128x4}). Tolerance: normalized error at most {@link #TOLERANCE} (bf16
 * inputs, probabilities rounded to bf16 before the value product, bf16 output), {@link
 * CudaOpsTest#EIGHT_BIT_CACHE_TOLERANCE} against the CPU with the same 8-bit cache; the measured error is printed.
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaPrefillAttentionTest {

    static final double TOLERANCE = 1e-2;
    private static final int BLOCK_SIZE = 16;

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

    /**
     * Step 1: prompts of 1, 17, 128 and 300 tokens. Step 2: the 17- and 300-token sequences continue with chunks of
     * 111 and 200 tokens over their cached first chunks, the 1-token one decodes, and a 64-token prompt starts.
     */
    @ParameterizedTest
    @CsvSource({
        "8, 8, 64, 0",
        "8, 8, 128, 0",
        "16, 4, 64, 0",
        "16, 4, 128, 0",
        "14, 2, 64, 0",
        "28, 4, 128, 0",
        "14, 2, 64, 100",
        "16, 4, 128, 37"})
    void mixedLengthsAndChunkedPrefillMatchCpu(int heads, int kvHeads, int headDim, int window) {
        AttentionShape shape = shape(heads, kvHeads, headDim, window);
        int[][] tables = shuffledTables(new int[] {2, 8, 8, 32, 4}, 60);
        Caches caches = caches(60, kvHeads, headDim);
        Tensor[] rope = ropeTables(1024, headDim);
        int[] tokens = new int[512];

        ForwardBatch first = new ForwardBatch(512, 4, BLOCK_SIZE, 32, 8);
        first.addSequence(tokens, 0, 1, 0, tables[0], tables[0].length, ForwardBatch.Logits.LAST);
        first.addSequence(tokens, 0, 17, 0, tables[1], tables[1].length, ForwardBatch.Logits.NONE);
        first.addSequence(tokens, 0, 128, 0, tables[2], tables[2].length, ForwardBatch.Logits.LAST);
        first.addSequence(tokens, 0, 300, 0, tables[3], tables[3].length, ForwardBatch.Logits.NONE);
        compareStep(first, shape, rope, caches, "prompts");

        ForwardBatch second = new ForwardBatch(512, 4, BLOCK_SIZE, 32, 8);
        second.addSequence(tokens, 0, 200, 300, tables[3], tables[3].length, ForwardBatch.Logits.LAST);
        second.addSequence(tokens, 0, 1, 1, tables[0], tables[0].length, ForwardBatch.Logits.LAST);
        second.addSequence(tokens, 0, 111, 17, tables[1], tables[1].length, ForwardBatch.Logits.LAST);
        second.addSequence(tokens, 0, 64, 0, tables[4], tables[4].length, ForwardBatch.Logits.LAST);
        compareStep(second, shape, rope, caches, "chunks");
    }

    /**
     * A 2048-token prompt beside a 17-token one, then a 300-token chunk continuing the long one; with 8-bit caches too
     * (against the CPU with the same cache type, within CudaOpsTest's 8-bit tolerance).
     */
    @ParameterizedTest
    @CsvSource({"14, 2, 64, 0, AUTO", "8, 2, 128, 0, AUTO", "4, 4, 64, 1000, AUTO", "8, 2, 128, 0, FP8",
        "14, 2, 64, 0, INT8", "4, 4, 64, 1000, FP8", "16, 4, 128, 0, INT8"})
    void longPromptAndItsNextChunkMatchCpu(int heads, int kvHeads, int headDim, int window, KvCacheDtype kvDtype) {
        AttentionShape shape = shape(heads, kvHeads, headDim, window);
        int[][] tables = shuffledTables(new int[] {148, 2}, 150);
        Caches caches = caches(150, kvHeads, headDim, kvDtype);
        Tensor[] rope = ropeTables(2400, headDim);
        int[] tokens = new int[2048];

        ForwardBatch prompt = new ForwardBatch(2100, 2, BLOCK_SIZE, 148, 2);
        prompt.addSequence(tokens, 0, 17, 0, tables[1], tables[1].length, ForwardBatch.Logits.LAST);
        prompt.addSequence(tokens, 0, 2048, 0, tables[0], tables[0].length, ForwardBatch.Logits.LAST);
        compareStep(prompt, shape, rope, caches, "2048-token prompt");

        ForwardBatch chunk = new ForwardBatch(2100, 2, BLOCK_SIZE, 148, 2);
        chunk.addSequence(tokens, 0, 300, 2048, tables[0], tables[0].length, ForwardBatch.Logits.LAST);
        compareStep(chunk, shape, rope, caches, "chunk after 2048");
    }

    private static AttentionShape shape(int heads, int kvHeads, int headDim, int window) {
        return new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)),
                window > 0 ? OptionalInt.of(window) : OptionalInt.empty());
    }

    /** Block tables of the given lengths that together take a random permutation of {@code numBlocks} blocks. */
    private int[][] shuffledTables(int[] lengths, int numBlocks) {
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
        int[][] tables = new int[lengths.length][];
        int next = 0;
        for (int s = 0; s < lengths.length; s++) {
            tables[s] = new int[lengths[s]];
            for (int b = 0; b < lengths[s]; b++) {
                tables[s][b] = order[next++];
            }
        }
        return tables;
    }

    private record Caches(KvCache cpu, KvCache cuda) {}

    private Caches caches(int numBlocks, int kvHeads, int headDim) {
        return caches(numBlocks, kvHeads, headDim, KvCacheDtype.AUTO);
    }

    private Caches caches(int numBlocks, int kvHeads, int headDim, KvCacheDtype dtype) {
        return new Caches(cpu.allocateKvCache(1, numBlocks, BLOCK_SIZE, kvHeads, headDim, dtype),
                cuda.allocateKvCache(1, numBlocks, BLOCK_SIZE, kvHeads, headDim, dtype));
    }

    /** The rotary table on the CPU [0] and on the GPU [1]. */
    private Tensor[] ropeTables(int positions, int headDim) {
        float[] table = CudaOpsTest.ropeTable(positions, headDim);
        return new Tensor[] {cpu.upload(table, positions, headDim), cuda.upload(table, positions, headDim)};
    }

    /** Rope + KV write, then attention, on both backends; the attention outputs compared. */
    private void compareStep(ForwardBatch batch, AttentionShape shape, Tensor[] rope, Caches caches, String step) {
        int rows = batch.numTokens();
        int width = shape.qkvSize();
        float[] qkv = random.bf16Values(rows * width, 2);
        Tensor cpuQkv = cpu.upload(qkv, rows, width);
        Tensor expected = cpu.allocate(DType.F32, rows, shape.qSize());
        cpu.prepare(batch);
        cpu.ropeAndWriteKv(cpuQkv, rope[0], shape, caches.cpu(), 0, batch);
        cpu.attention(cpuQkv, caches.cpu(), 0, shape, batch, expected);

        Tensor cudaQkv = cuda.allocate(DType.BF16, rows, width);
        cuda.write(cudaQkv, qkv);
        Tensor actual = cuda.allocate(DType.BF16, rows, shape.qSize());
        cuda.write(actual, nans(rows * shape.qSize()));
        cuda.prepare(batch);
        cuda.ropeAndWriteKv(cudaQkv, rope[1], shape, caches.cuda(), 0, batch);
        cuda.attention(cudaQkv, caches.cuda(), 0, shape, batch, actual);

        float[] got = new float[rows * shape.qSize()];
        cuda.copyToHost(actual, rows, got);
        float[] want = new float[rows * shape.qSize()];
        cpu.copyToHost(expected, rows, want);
        KvCacheDtype dtype = caches.cuda().dtype();
        double tolerance = dtype.quantized() ? CudaOpsTest.EIGHT_BIT_CACHE_TOLERANCE : TOLERANCE;
        System.out.printf("prefill attention %s, %d/%d heads of %d, window %s, %s cache: %d rows, normalized error "
                + "%.2e%n", step, shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.slidingWindow(), dtype,
                rows, DeviceTensors.relativeError(got, want, got.length));
        assertThat(got).hasSize(want.length);
        assertClose(got, want, got.length, tolerance, step + ": attention");

        // Each block size the kernel comes in, launched directly on the same step.
        int longestQuery = 0;
        for (int s = 0; s < batch.numSequences(); s++) {
            longestQuery = Math.max(longestQuery, batch.queryStart()[s + 1] - batch.queryStart()[s]);
        }
        CudaKvCache kv = CudaKvCache.of(caches.cuda());
        int[] blockSizes = shape.headDim() == 128 ? new int[] {Kernels.PREFILL_WARPS, Kernels.PREFILL_SMALL_WARPS}
                : new int[] {Kernels.PREFILL_WARPS};
        for (int warps : blockSizes) {
            cuda.write(actual, nans(rows * shape.qSize()));
            cuda.kernels().prefillAttention(dtype, CudaTensor.of(cudaQkv).pointer(), kv.layerKeys(0),
                    kv.layerValues(0), kv.layerKeyScales(0), kv.layerValueScales(0), cuda.metadata().positions(),
                    cuda.metadata().queryStart(), cuda.metadata().blockTables(), batch.maxBlocksPerSequence(),
                    batch.blockSize(), width, shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.scale(),
                    shape.slidingWindow().orElse(Integer.MAX_VALUE), CudaTensor.of(actual).pointer(), shape.qSize(),
                    batch.numSequences(), longestQuery, warps);
            cuda.copyToHost(actual, rows, got);
            assertClose(got, want, got.length, tolerance, step + ": attention, " + dtype + " cache, " + warps
                    + " warps a block");
        }
    }
}
