package ai.jllm.cuda;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/**
 * Prefill attention alone, one layer of a single 2048-token prompt (block size 32, the engine's default), per attention
 * shape of the benchmark models: the CUDA-core kernel (paged_attention, one split) against the tensor-core kernel
 * (prefill_attention) with blocks of 8 warps (and of 4, its fallback, for head size 128), each launched {@link
 * #REPEATS} times back to back after a warm-up and timed with CUDA events. Prints milliseconds per layer and per
 * prefill (× layers, old → the launcher's 8-warp block), the rate in TFLOP/s (causal: 4·headDim·heads operations per
 * (query, key) pair) and its fraction of the bf16 GEMM rate measured in the same run, and the normalized difference of
 * each tensor-core output from the CUDA-core one.
 *
 * <p>Usage: {@code PrefillAttentionBenchmark [TOKENS]} (default 2048).
 */
public final class PrefillAttentionBenchmark {

    private record Shape(String name, int heads, int kvHeads, int headDim, int layers) {}

    private static final List<Shape> SHAPES = List.of(new Shape("qwen2.5-0.5b", 14, 2, 64, 24),
            new Shape("llama-3.2-1b", 32, 8, 64, 16), new Shape("llama-3-8b", 32, 8, 128, 32));
    private static final int BLOCK_SIZE = 32;
    private static final int REPEATS = 20;

    private PrefillAttentionBenchmark() {}

    public static void main(String[] args) {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        try (CudaBackend backend = CudaBackend.create(0, false)) {
            System.out.println(backend.description());
            double gemm = backend.gemmRate(8192, 8192, 8192, 20);
            System.out.printf("bf16 GEMM 8192³: %.0f TFLOP/s%n", gemm / 1e12);
            System.out.println("| shape | heads/kv × dim | CUDA cores ms/layer | tensor cores 8 warps | 4 warps "
                    + "| speed-up | ms/prefill (old → new) | TFLOP/s 8 / 4 warps | % of GEMM 8 / 4 "
                    + "| rel. diff 8 / 4 |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            Random random = new Random(5);
            for (Shape shape : SHAPES) {
                run(backend, shape, tokens, gemm, random);
            }
        }
    }

    private static void run(CudaBackend backend, Shape shape, int tokens, double gemm, Random random) {
        AttentionShape attention = new AttentionShape(shape.heads(), shape.kvHeads(), shape.headDim(),
                (float) (1 / Math.sqrt(shape.headDim())), OptionalInt.empty());
        int blocks = Math.ceilDiv(tokens, BLOCK_SIZE);
        int[] table = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            table[b] = (b * 7) % blocks;  // out of order, a permutation as long as blocks is not a multiple of 7
        }
        if (blocks % 7 == 0) {
            for (int b = 0; b < blocks; b++) {
                table[b] = b;
            }
        }
        KvCache cache = backend.allocateKvCache(1, blocks, BLOCK_SIZE, shape.kvHeads(), shape.headDim());
        ForwardBatch batch = new ForwardBatch(tokens, 1, BLOCK_SIZE, blocks, 1);
        batch.addSequence(new int[tokens], 0, tokens, 0, table, blocks, ForwardBatch.Logits.LAST);
        int width = attention.qkvSize();
        Tensor qkv = backend.allocate(DType.BF16, tokens, width);
        backend.write(qkv, values(tokens * width, random));
        Tensor rope = backend.upload(CudaOpsTest.ropeTable(tokens, shape.headDim()), tokens, shape.headDim());
        backend.prepare(batch);
        backend.ropeAndWriteKv(qkv, rope, attention, cache, 0, batch);
        Tensor old = backend.allocate(DType.BF16, tokens, attention.qSize());
        Tensor[] now = {backend.allocate(DType.BF16, tokens, attention.qSize()),
                backend.allocate(DType.BF16, tokens, attention.qSize())};

        CudaKvCache kv = CudaKvCache.of(cache);
        StepMetadata metadata = backend.metadata();
        Kernels kernels = backend.kernels();
        long input = CudaTensor.of(qkv).pointer();
        double oldMs = time(backend, () -> kernels.pagedAttention(kv.dtype(), input, kv.layerKeys(0),
                kv.layerValues(0), kv.layerKeyScales(0), kv.layerValueScales(0), metadata.positions(),
                metadata.tokenSequence(), metadata.blockTables(), blocks, BLOCK_SIZE, width, shape.heads(),
                shape.kvHeads(), shape.headDim(), attention.scale(), Integer.MAX_VALUE, 1, 0, 0,
                CudaTensor.of(old).pointer(), attention.qSize(), tokens));
        float[] reference = new float[tokens * attention.qSize()];
        backend.copyToHost(old, tokens, reference);
        double flops = 4.0 * shape.headDim() * shape.heads() * tokens * (tokens + 1) / 2;
        int[] blockSizes = shape.headDim() == 128 ? new int[] {Kernels.PREFILL_WARPS, Kernels.PREFILL_SMALL_WARPS}
                : new int[] {Kernels.PREFILL_WARPS};
        String[] ms = {"–", "–"};
        String[] rate = {"–", "–"};
        String[] share = {"–", "–"};
        String[] difference = {"–", "–"};
        double newMs = 0;
        for (int i = 0; i < blockSizes.length; i++) {
            int warps = blockSizes[i];
            long output = CudaTensor.of(now[i]).pointer();
            double millis = time(backend, () -> kernels.prefillAttention(kv.dtype(), input, kv.layerKeys(0),
                    kv.layerValues(0), kv.layerKeyScales(0), kv.layerValueScales(0), metadata.positions(),
                    metadata.queryStart(), metadata.blockTables(), blocks, BLOCK_SIZE, width, shape.heads(),
                    shape.kvHeads(), shape.headDim(), attention.scale(), Integer.MAX_VALUE, output, attention.qSize(),
                    1, tokens, warps));
            float[] values = new float[tokens * attention.qSize()];
            backend.copyToHost(now[i], tokens, values);
            newMs = i == 0 ? millis : newMs;
            ms[i] = String.format("%.3f", millis);
            rate[i] = String.format("%.0f", flops / (millis * 1e-3) / 1e12);
            share[i] = String.format("%.1f%%", 100 * flops / (millis * 1e-3) / gemm);
            difference[i] = String.format("%.1e", DeviceTensors.relativeError(values, reference, values.length));
        }
        System.out.printf("| %s | %d/%d × %d | %.3f | %s | %s | %.1f× | %.1f → %.1f | %s / %s | %s / %s | %s / %s |%n",
                shape.name(), shape.heads(), shape.kvHeads(), shape.headDim(), oldMs, ms[0], ms[1], oldMs / newMs,
                oldMs * shape.layers(), newMs * shape.layers(), rate[0], rate[1], share[0], share[1], difference[0],
                difference[1]);
    }

    /** Milliseconds per launch: one warm-up, then REPEATS back to back between two events. */
    private static double time(CudaBackend backend, Runnable launch) {
        CudaDriver driver = backend.driver();
        long stream = backend.stream();
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            launch.run();
            driver.eventRecord(start, stream);
            for (int r = 0; r < REPEATS; r++) {
                launch.run();
            }
            driver.eventRecord(end, stream);
            driver.eventSynchronize(end);
            return driver.eventElapsedMillis(start, end) / REPEATS;
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
        }
    }

    private static float[] values(int count, Random random) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = Bf16.round((float) ((random.nextDouble() * 2 - 1) * 2));
        }
        return values;
    }
}
