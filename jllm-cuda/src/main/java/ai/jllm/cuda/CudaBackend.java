package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import ai.jllm.JllmException;
import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.Backend;
import ai.jllm.backend.DeviceStepTime;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.StepShape;
import ai.jllm.backend.Tensor;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.kvcache.KvQuantizer;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The CUDA backend: bf16 activations and KV cache, bf16 weight matrices (fused parts stacked into one [out, in]
 * matrix) or int8/int4 weight-only quantized ones as the engine stores them ({@link CudaQuantizedLinear}), f32 norm
 * weights and rotary table, f32 logits. Every op enqueues work on one stream; only {@link #copyToHost} and
 * {@link #sample} wait for the device. Kernels are jllm's own (src/main/cuda); matrix products of decode-sized batches
 * run as GEMV kernels (quantized weights: fused dequantize-GEMV) with the element-wise ops around them fused in
 * ({@link DecodeFusion}), larger ones through cuBLASLt (quantized weights dequantized first, {@link
 * QuantizedProducts}). Sampling runs on the GPU ({@link CudaSampler}).
 *
 * <p>Not thread-safe: one thread drives a backend at a time (the engine's step loop). Each entry point makes the
 * backend's context current on the calling thread.
 */
public final class CudaBackend implements Backend {

    private final Arena arena;
    private final CudaDriver driver;
    private final CudaDevice device;
    private final long context;
    private final long stream;
    private final KernelModule module;
    private final Kernels kernels;
    private final Gemm gemm;
    private final QuantGemv quantGemv;
    private final QuantizedProducts quantizedProducts;
    private final Fp8Kernels fp8Kernels;
    private final Fp8Gemm fp8Gemm;
    private final DecodeFusion fusion;
    private final CudaSampler sampler;
    private final WeightUploader uploader;
    private final StepMetadata metadata;
    private final StepGraphs graphs;
    private final StepTimer timer;
    private final boolean useGraphs;
    /** True while a decode step runs for recording: ops pick parameters from capacities, not from the step's data. */
    private boolean recordable;
    /** The batch of the step being run (from {@link #prepare}). */
    private ForwardBatch prepared;
    /** While a padded decode step runs: the rows its ops run on instead of the batch's own (see {@link #runStep}). */
    private OptionalInt paddedRows = OptionalInt.empty();
    private final DeviceMemory memory;
    private final HostTransfers transfers;
    /** Split-K attention's merge counters [tokens, heads] int, zero between launches (the kernel resets them). */
    private final GrowingBuffer attentionCounters;
    /** Split-K attention's partial results [tokens, heads, splits, headDim + 2] f32. */
    private final GrowingBuffer attentionPartials;
    /** The rows a recorded decode step may have at most (its bucket's capacity, see {@link #runStep}). */
    private int decodeCapacity;
    private boolean closed;

    private CudaBackend(Arena arena, CudaDriver driver, CudaDevice device, boolean useGraphs) {
        this.arena = arena;
        this.useGraphs = useGraphs;
        this.driver = driver;
        this.device = device;
        this.context = driver.primaryContextRetain(device.handle());
        driver.setCurrent(context);
        this.stream = driver.streamCreate(CudaDriver.CU_STREAM_NON_BLOCKING);
        this.module = KernelModule.load(driver, device.computeCapability(), arena);
        this.kernels = new Kernels(driver, module, device, stream, arena);
        CublasLt lt = CublasLt.load(arena);
        this.gemm = new Gemm(driver, lt, stream, arena);
        this.memory = new DeviceMemory(driver);
        this.quantGemv = new QuantGemv(driver, module, kernels);
        this.quantizedProducts = new QuantizedProducts(quantGemv, gemm, memory);
        this.fp8Kernels = new Fp8Kernels(driver, module, device, kernels.dependentLaunches(), stream, arena);
        this.fusion = new DecodeFusion(kernels, quantGemv, fp8Kernels);
        this.sampler = new CudaSampler(driver, kernels, stream);
        this.uploader = new WeightUploader(driver, stream);
        this.metadata = new StepMetadata(driver, stream);
        this.graphs = new StepGraphs(driver, stream);
        this.fp8Gemm = new Fp8Gemm(driver, lt, fp8Kernels, stream, arena, graphs::clear);
        this.timer = new StepTimer(driver, stream);
        this.attentionCounters = new GrowingBuffer(driver, stream);
        this.attentionPartials = new GrowingBuffer(driver, stream);
        this.transfers = new HostTransfers(driver, stream);
    }

    /**
     * Opens GPU {@code ordinal}.
     *
     * @param cudaGraphs record decode steps as CUDA graphs and replay them (see {@link #runStep})
     * @throws JllmException with a one-line reason when there is no driver, no such device, or no kernels for it
     */
    public static CudaBackend create(int ordinal, boolean cudaGraphs) {
        Arena arena = Arena.ofShared();
        try {
            CudaDriver driver = CudaDriver.load(arena);
            CudaDevice device = CudaDevice.open(driver, ordinal);
            return new CudaBackend(arena, driver, device, cudaGraphs);
        } catch (RuntimeException e) {
            arena.close();
            throw e instanceof JllmException jllm ? jllm : new JllmException("CUDA backend: " + e.getMessage(), e);
        }
    }

    /** GPU 0, with CUDA graphs for decode steps. */
    public static CudaBackend create() {
        return create(0, true);
    }

    /** Whether a GPU, its driver and kernels for it are there, without starting a context; says why not. */
    public static CudaAvailability availability() {
        return CudaAvailability.probe();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "CUDA: " + device.describe() + ", kernels from " + module.origin().description()
                + (kernels.dependentLaunches() ? ", programmatic dependent launches" : "")
                + (useGraphs ? ", CUDA graphs for decode" : "");
    }

    @Override
    public DType activationType() {
        return DType.BF16;
    }

    // ---- memory ----

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        if (dtype != DType.BF16 && dtype != DType.F32) {
            throw new IllegalArgumentException("the CUDA backend allocates BF16 and F32 tensors, not " + dtype);
        }
        driver.setCurrent(context);
        CudaTensor tensor = new CudaTensor(memory.allocate(CudaTensor.elementCount(shape) * dtype.byteSize()), dtype,
                shape);
        driver.memsetBytes(tensor.pointer(), (byte) 0, tensor.bytes(), stream);
        return tensor;
    }

    /** Matrices (the embedding table) become bf16, vectors (norm weights) f32. */
    @Override
    public Tensor upload(TensorView weight) {
        driver.setCurrent(context);
        DType type = weight.rank() == 2 ? DType.BF16 : DType.F32;
        CudaTensor tensor = new CudaTensor(memory.allocate(weight.elementCount() * type.byteSize()), type,
                weight.shape());
        uploader.upload(weight, tensor.pointer(), type);
        return tensor;
    }

    @Override
    public Tensor upload(float[] values, long... shape) {
        if (CudaTensor.elementCount(shape) != values.length) {
            throw new IllegalArgumentException("shape does not match " + values.length + " values");
        }
        driver.setCurrent(context);
        CudaTensor tensor = new CudaTensor(memory.allocate((long) values.length * Float.BYTES), DType.F32, shape);
        uploader.upload(values, tensor.pointer());
        return tensor;
    }

    @Override
    public LinearWeights linear(List<TensorView> weightParts, List<TensorView> biasParts) {
        driver.setCurrent(context);
        return CudaLinear.upload(weightParts, biasParts, uploader, memory);
    }

    /**
     * Int8 and int4 weights go to the device as stored (see {@link CudaQuantizedLinear}), FP8 ones too (sm_89+, see
     * {@link CudaFp8Linear}).
     */
    @Override
    public LinearWeights linear(QuantizedLinear weight, List<TensorView> biasParts) {
        driver.setCurrent(context);
        if (weight instanceof QuantizedLinear.Fp8 fp8) {
            return CudaFp8Linear.upload(fp8, biasParts, device, uploader, memory);
        }
        CudaQuantizedLinear linear = CudaQuantizedLinear.upload(weight, biasParts, uploader, memory);
        if (quantizedProducts.reserve(linear)) {
            graphs.clear();
        }
        return linear;
    }

    @Override
    public KvCache allocateKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim,
                                   KvCacheDtype dtype) {
        if (headDim > Kernels.ATTENTION_MAX_HEAD_DIM || headDim % 8 != 0) {
            throw new JllmException("the CUDA attention kernel supports head sizes that are multiples of 8 up to "
                    + Kernels.ATTENTION_MAX_HEAD_DIM + ", not " + headDim);
        }
        driver.setCurrent(context);
        long bytes = CudaKvCache.allocationBytes(dtype, numLayers, numBlocks, blockSize, numKvHeads, headDim);
        long keys = zeroed(bytes);
        long values = zeroed(bytes);
        long scaleBytes = CudaKvCache.scaleAllocationBytes(dtype, numLayers, numBlocks, blockSize, numKvHeads);
        long keyScales = scaleBytes == 0 ? 0 : zeroed(scaleBytes);
        long valueScales = scaleBytes == 0 ? 0 : zeroed(scaleBytes);
        return new CudaKvCache(keys, values, keyScales, valueScales, dtype, numLayers, numBlocks, blockSize, numKvHeads,
                headDim);
    }

    private long zeroed(long bytes) {
        long pointer = memory.allocate(bytes);
        driver.memsetBytes(pointer, (byte) 0, bytes, stream);
        return pointer;
    }

    @Override
    public long availableMemory() {
        driver.setCurrent(context);
        return driver.memoryInfo().free();
    }

    @Override
    public void copyKvBlocks(KvCache cache, int[] sources, int[] destinations) {
        CudaKvCache kv = CudaKvCache.of(cache);
        driver.setCurrent(context);
        fusion.flush();
        long blockBytes = CudaKvCache.layerBytes(kv.dtype(), 1, kv.blockSize(), kv.numKvHeads(), kv.headDim());
        long blockScaleBytes = CudaKvCache.layerScaleBytes(kv.dtype(), 1, kv.blockSize(), kv.numKvHeads());
        for (int layer = 0; layer < kv.numLayers(); layer++) {
            for (int i = 0; i < sources.length; i++) {
                driver.copyDeviceToDevice(kv.layerKeys(layer) + destinations[i] * blockBytes,
                        kv.layerKeys(layer) + sources[i] * blockBytes, blockBytes, stream);
                driver.copyDeviceToDevice(kv.layerValues(layer) + destinations[i] * blockBytes,
                        kv.layerValues(layer) + sources[i] * blockBytes, blockBytes, stream);
                if (blockScaleBytes > 0) {
                    driver.copyDeviceToDevice(kv.layerKeyScales(layer) + destinations[i] * blockScaleBytes,
                            kv.layerKeyScales(layer) + sources[i] * blockScaleBytes, blockScaleBytes, stream);
                    driver.copyDeviceToDevice(kv.layerValueScales(layer) + destinations[i] * blockScaleBytes,
                            kv.layerValueScales(layer) + sources[i] * blockScaleBytes, blockScaleBytes, stream);
                }
            }
        }
    }

    // ---- ops ----

    @Override
    public void prepare(ForwardBatch batch) {
        driver.setCurrent(context);
        fusion.flush();
        prepared = batch;
        timer.forwardStarts();
        if (metadata.upload(batch)) {
            graphs.clear();
        }
    }

    /**
     * Decode steps (one token per sequence) are recorded as a CUDA graph per batch-size bucket (1, 2, 4, 8, … up to
     * the batch's capacity) and replayed; other steps run eagerly. A decode step of fewer sequences than its bucket is
     * padded up to it: the extra rows decode token 0 at position 0 of sequences of their own, whose blocks are all the
     * cache's padding block ({@link CudaKvCache#paddingBlock}), so they write nowhere a real sequence reads, and their
     * logits rows lie past the batch's. While recordable, attention splits its keys by the cache's capacity rather
     * than by the step's positions, so that one recording serves every later step of the bucket. What the fusion
     * holds back at the end of the ops is launched inside the step.
     */
    @Override
    public void runStep(StepShape shape, Runnable ops) {
        Runnable step = () -> {
            ops.run();
            fusion.flush();
        };
        if (!useGraphs || !shape.decodeOnly()) {
            feedSampledTokens();
            step.run();
            return;
        }
        decodeCapacity = Math.min(prepared.maxTokens(), Math.min(prepared.maxSequences(),
                prepared.logitsIndices().length));
        int bucket = bucket(shape.numTokens(), decodeCapacity);
        if (bucket > shape.numTokens()) {
            if (metadata.upload(prepared, bucket, CudaKvCache.of(shape.cache()).paddingBlock())) {
                graphs.clear();
            }
            paddedRows = OptionalInt.of(bucket);
        }
        feedSampledTokens();
        recordable = true;
        try {
            graphs.run(new StepShape(shape.cache(), bucket, bucket, bucket, shape.maxBlocksPerSequence(), true), step);
        } finally {
            recordable = false;
            paddedRows = OptionalInt.empty();
        }
    }

    /**
     * The step's first token ids from the latest sampling, copied on the device after the metadata upload (a step
     * launched before its predecessor's tokens are read; see {@link ForwardBatch#feedSampledTokens}).
     */
    private void feedSampledTokens() {
        int rows = prepared.sampledTokenRows();
        if (rows > 0) {
            driver.copyDeviceToDevice(metadata.tokenIds(), sampler.sampledTokens(prepared.sampledTokenSource()),
                    (long) rows * Integer.BYTES, stream);
        }
    }

    /** The smallest power of two at least {@code rows}, or {@code capacity} when that is less. */
    static int bucket(int rows, int capacity) {
        int power = rows <= 1 ? 1 : Integer.highestOneBit(rows - 1) << 1;
        return Math.max(rows, Math.min(power, capacity));
    }

    /** The rows an op runs on: its own, or the padded step's (whose every op runs on all the batch's rows). */
    private int rows(int requested) {
        if (paddedRows.isEmpty()) {
            return requested;
        }
        if (requested != prepared.numTokens()) {
            throw new IllegalStateException("an op of a padded decode step of " + prepared.numTokens()
                    + " rows asked for " + requested);
        }
        return paddedRows.getAsInt();
    }

    @Override
    public void embedding(Tensor table, ForwardBatch batch, Tensor out) {
        CudaTensor matrix = CudaTensor.of(table).expect(DType.BF16, "embedding");
        long vocabulary = matrix.rows();
        int[] tokenIds = batch.tokenIds();
        for (int t = 0; t < batch.numTokens(); t++) {
            if (tokenIds[t] < 0 || tokenIds[t] >= vocabulary) {
                throw new JllmException("token id " + tokenIds[t] + " is outside the vocabulary of " + vocabulary);
            }
        }
        CudaTensor output = CudaTensor.of(out).expect(DType.BF16, "embedding");
        fusion.flush();
        kernels.embeddingGather(matrix.pointer(), metadata.tokenIds(), matrix.width(), output.pointer(),
                rows(batch.numTokens()));
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, int rows, Tensor out) {
        CudaTensor w = CudaTensor.of(weight).expect(DType.F32, "rmsNorm");
        fusion.rmsNorm(CudaTensor.of(x).expect(DType.BF16, "rmsNorm").pointer(), w.pointer(), eps,
                Math.toIntExact(w.elements()), CudaTensor.of(out).expect(DType.BF16, "rmsNorm").pointer(),
                rows(rows));
    }

    @Override
    public void addRmsNorm(Tensor residual, Tensor delta, Tensor weight, float eps, int rows, Tensor out) {
        CudaTensor w = CudaTensor.of(weight).expect(DType.F32, "addRmsNorm");
        long residualStream = CudaTensor.of(residual).expect(DType.BF16, "addRmsNorm").pointer();
        long added = CudaTensor.of(delta).expect(DType.BF16, "addRmsNorm").pointer();
        long normed = CudaTensor.of(out).expect(DType.BF16, "addRmsNorm").pointer();
        int width = Math.toIntExact(w.elements());
        int stepRows = rows(rows);
        if (fusion.addIntoResidual(added, residualStream, stepRows)) {
            fusion.rmsNorm(residualStream, w.pointer(), eps, width, normed, stepRows);
        } else {
            kernels.addRmsNorm(residualStream, added, w.pointer(), eps, width, normed, stepRows);
        }
    }

    @Override
    public void linear(Tensor x, LinearWeights weights, int rows, Tensor out) {
        CudaTensor input = CudaTensor.of(x).expect(DType.BF16, "linear");
        CudaTensor output = CudaTensor.of(out);
        if (weights instanceof CudaFp8Linear fp8) {
            linearFp8(input, fp8, rows, output);
            return;
        }
        if (input.width() != weights.inFeatures() || output.width() != weights.outFeatures()) {
            throw new IllegalArgumentException("linear " + weights.inFeatures() + " -> " + weights.outFeatures()
                    + " applied to rows of " + input.width() + " into rows of " + output.width());
        }
        int stepRows = rows(rows);
        if (weights instanceof CudaQuantizedLinear quantized) {
            if (!fusion.linear(input.pointer(), quantized, stepRows, output.pointer(), output.dtype())) {
                quantizedProducts.run(quantized, input.pointer(), stepRows, output.pointer(), output.dtype());
            }
            return;
        }
        CudaLinear linear = CudaLinear.of(weights);
        if (!fusion.linear(input.pointer(), linear, stepRows, output.pointer(), output.dtype())) {
            gemm.run(linear, input.pointer(), stepRows, output.pointer(), output.dtype());
        }
    }

    private void linearFp8(CudaTensor input, CudaFp8Linear fp8, int rows, CudaTensor output) {
        if (input.width() != fp8.inFeatures() || output.width() != fp8.outFeatures()) {
            throw new IllegalArgumentException("fp8 linear " + fp8.inFeatures() + " -> " + fp8.outFeatures()
                    + " applied to rows of " + input.width() + " into rows of " + output.width());
        }
        output.expect(DType.BF16, "fp8 linear");
        int stepRows = rows(rows);
        if (!fusion.linear(input.pointer(), fp8, stepRows, output.pointer(), DType.BF16)) {
            fp8Gemm.run(fp8, input.pointer(), stepRows, output.pointer());
        }
    }

    @Override
    public void qkNorm(Tensor qkv, Tensor qWeight, Tensor kWeight, float eps, AttentionShape shape, int rows) {
        CudaTensor tensor = CudaTensor.of(qkv).expect(DType.BF16, "qkNorm");
        fusion.flush();
        kernels.qkNorm(tensor.pointer(), CudaTensor.of(qWeight).expect(DType.F32, "qkNorm").pointer(),
                CudaTensor.of(kWeight).expect(DType.F32, "qkNorm").pointer(), eps, tensor.width(), shape.numHeads(),
                shape.numKvHeads(), shape.headDim(), rows(rows));
    }

    @Override
    public void ropeAndWriteKv(Tensor qkv, Tensor ropeTable, AttentionShape shape, KvCache cache, int layer,
                               ForwardBatch batch) {
        CudaTensor tensor = CudaTensor.of(qkv).expect(DType.BF16, "ropeAndWriteKv");
        CudaTensor table = CudaTensor.of(ropeTable).expect(DType.F32, "ropeAndWriteKv");
        long maxPositions = table.rows();
        int[] positions = batch.positions();
        for (int t = 0; t < batch.numTokens(); t++) {
            if (positions[t] >= maxPositions) {
                throw new JllmException("position " + positions[t] + " is beyond the rotary table of "
                        + maxPositions + " positions");
            }
        }
        CudaKvCache kv = CudaKvCache.of(cache);
        int tokens = rows(batch.numTokens());
        if (kv.dtype().quantized()) {
            // The decode GEMV's rope epilogue writes bf16 only: an 8-bit cache takes the QKV product as it is stored.
            fusion.flush();
            kernels.ropeWriteKvQuantized(kv.dtype(), tensor.pointer(), table.pointer(), metadata.positions(),
                    metadata.slots(), kv.layerKeys(layer), kv.layerValues(layer), kv.layerKeyScales(layer),
                    kv.layerValueScales(layer), tensor.width(), shape.numHeads(), shape.numKvHeads(), shape.headDim(),
                    tokens);
            return;
        }
        GemvEpilogue.Rope rope = new GemvEpilogue.Rope(tensor.pointer(), table.pointer(), metadata.positions(),
                metadata.slots(), kv.layerKeys(layer), kv.layerValues(layer), shape);
        if (!fusion.rope(rope, tokens)) {
            kernels.ropeWriteKv(tensor.pointer(), table.pointer(), metadata.positions(), metadata.slots(),
                    kv.layerKeys(layer), kv.layerValues(layer), tensor.width(), shape.numHeads(),
                    shape.numKvHeads(), shape.headDim(), tokens);
        }
    }

    @Override
    public void attention(Tensor qkv, KvCache cache, int layer, AttentionShape shape, ForwardBatch batch, Tensor out) {
        CudaTensor input = CudaTensor.of(qkv).expect(DType.BF16, "attention");
        CudaTensor output = CudaTensor.of(out).expect(DType.BF16, "attention");
        CudaKvCache kv = CudaKvCache.of(cache);
        int window = shape.slidingWindow().orElse(Integer.MAX_VALUE);
        int tokens = rows(batch.numTokens());
        if (!recordable && batch.numTokens() > batch.numSequences()
                && Kernels.prefillAttentionFits(device.computeCapability(), shape.headDim())) {
            prefillAttention(input, kv, layer, shape, batch, window, output);
            return;
        }
        int longest = 0;
        if (recordable) {
            longest = (int) Math.min(window, (long) batch.maxBlocksPerSequence() * batch.blockSize());
        } else {
            int[] positions = batch.positions();
            for (int t = 0; t < batch.numTokens(); t++) {
                longest = Math.max(longest, Math.min(positions[t] + 1, window));
            }
        }
        AttentionSplit split = AttentionSplit.of(tokens * shape.numHeads(), longest, device.multiprocessors());
        fusion.flush();
        if (split.splits() > 1) {
            // A recording sizes the buffers for every bucket at once (the most rows, and the most splits, which the
            // one-row bucket takes), so that recording another bucket does not move them.
            long rows = tokens;
            int splits = split.splits();
            if (recordable) {
                rows = Math.max(tokens, decodeCapacity);
                splits = AttentionSplit.of(shape.numHeads(), longest, device.multiprocessors()).splits();
            }
            boolean moved = attentionCounters.ensure(rows * shape.numHeads() * Integer.BYTES);
            moved |= attentionPartials.ensure(rows * shape.numHeads() * splits * (shape.headDim() + 2) * Float.BYTES);
            if (moved) {
                graphs.clear();
            }
        }
        // The grouped kernel has a block per (token, KV head, split): with fewer (token, KV head) pairs than
        // multiprocessors (small decode batches) it leaves the GPU idle, where one block per query head does not.
        if (shape.numHeads() / shape.numKvHeads() <= Kernels.GROUPED_ATTENTION_MAX_GROUP
                && tokens * shape.numKvHeads() >= device.multiprocessors()) {
            kernels.groupedAttention(kv.dtype(), input.pointer(), kv.layerKeys(layer), kv.layerValues(layer),
                    kv.layerKeyScales(layer), kv.layerValueScales(layer), metadata.positions(),
                    metadata.tokenSequence(), metadata.blockTables(), batch.maxBlocksPerSequence(), batch.blockSize(),
                    input.width(), shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.scale(), window,
                    split.splits(), attentionPartials.pointer(), attentionCounters.pointer(), output.pointer(),
                    output.width(), tokens);
            return;
        }
        kernels.pagedAttention(kv.dtype(), input.pointer(), kv.layerKeys(layer), kv.layerValues(layer),
                kv.layerKeyScales(layer), kv.layerValueScales(layer), metadata.positions(), metadata.tokenSequence(),
                metadata.blockTables(), batch.maxBlocksPerSequence(), batch.blockSize(), input.width(),
                shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.scale(), window, split.splits(),
                attentionPartials.pointer(), attentionCounters.pointer(), output.pointer(), output.width(), tokens);
    }

    /**
     * A step with prompt tokens: every sequence of it (its decode rows too) through the tensor-core kernel, a block
     * per 16 (token, query head) rows a warp of a KV head's group; the decode-only steps keep the split-K kernel.
     */
    private void prefillAttention(CudaTensor input, CudaKvCache kv, int layer, AttentionShape shape,
                                  ForwardBatch batch, int window, CudaTensor output) {
        int[] queryStart = batch.queryStart();
        int longestQuery = 0;
        for (int s = 0; s < batch.numSequences(); s++) {
            longestQuery = Math.max(longestQuery, queryStart[s + 1] - queryStart[s]);
        }
        fusion.flush();
        kernels.prefillAttention(kv.dtype(), input.pointer(), kv.layerKeys(layer), kv.layerValues(layer),
                kv.layerKeyScales(layer), kv.layerValueScales(layer), metadata.positions(), metadata.queryStart(),
                metadata.blockTables(), batch.maxBlocksPerSequence(), batch.blockSize(), input.width(),
                shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.scale(), window, output.pointer(),
                output.width(), batch.numSequences(), longestQuery);
    }

    @Override
    public void siluMul(Tensor gateUp, int rows, Tensor out) {
        CudaTensor input = CudaTensor.of(gateUp).expect(DType.BF16, "siluMul");
        long activated = CudaTensor.of(out).expect(DType.BF16, "siluMul").pointer();
        int stepRows = rows(rows);
        if (!fusion.siluMul(input.pointer(), activated, stepRows)) {
            kernels.siluMul(input.pointer(), stepRows, input.width() / 2, activated);
        }
    }

    @Override
    public void gatherLogitsRows(Tensor x, ForwardBatch batch, Tensor out) {
        CudaTensor input = CudaTensor.of(x).expect(DType.BF16, "gatherLogitsRows");
        fusion.flush();
        kernels.gatherRows(input.pointer(), metadata.logitsIndices(), input.width(),
                CudaTensor.of(out).expect(DType.BF16, "gatherLogitsRows").pointer(), rows(batch.numLogits()));
    }

    @Override
    public void sample(Tensor logits, SamplingBatch batch, SampleOutput out) {
        driver.setCurrent(context);
        fusion.flush();
        timer.sampleStarts();
        sampler.sample(CudaTensor.of(logits), batch, out, timer);
    }

    /** Enqueues the sampling; {@link #awaitSamples} waits. The tokens stay on the device for a step fed from them. */
    @Override
    public void sampleAsync(Tensor logits, SamplingBatch batch, SampleOutput out) {
        driver.setCurrent(context);
        fusion.flush();
        timer.sampleStarts();
        sampler.enqueue(CudaTensor.of(logits), batch, out, timer);
    }

    @Override
    public void awaitSamples(SampleOutput out) {
        driver.setCurrent(context);
        sampler.await(out, timer);
    }

    /**
     * Times every following step on the GPU with CUDA events (forward pass and sampling apart), for profiles:
     * {@link #lastStepDeviceTime} then reports them.
     */
    public void timeSteps() {
        driver.setCurrent(context);
        timer.enable();
    }

    @Override
    public Optional<DeviceStepTime> lastStepDeviceTime() {
        return timer.last();
    }

    /** Waits for the stream, then copies; bf16 tensors are widened to float. */
    @Override
    public void copyToHost(Tensor source, int rows, float[] destination) {
        driver.setCurrent(context);
        fusion.flush();
        transfers.toHost(CudaTensor.of(source), rows, destination);
    }

    /** Host values into a device tensor, rounded to its type (tests use it to set inputs and to poison outputs). */
    void write(Tensor target, float[] values) {
        driver.setCurrent(context);
        fusion.flush();
        transfers.toDevice(CudaTensor.of(target), values);
    }

    /**
     * One layer's cached keys or values as floats: [numBlocks * blockSize, numKvHeads * headDim]; an 8-bit cache's
     * codes are decoded and multiplied by their (token, kv head) scales on the host.
     */
    float[] readCache(KvCache cache, int layer, boolean keys) {
        CudaKvCache kv = CudaKvCache.of(cache);
        int slots = kv.numBlocks() * kv.blockSize();
        if (kv.dtype().quantized()) {
            return readQuantizedCache(kv, layer, keys, slots);
        }
        CudaTensor view = new CudaTensor(keys ? kv.layerKeys(layer) : kv.layerValues(layer), DType.BF16,
                new long[] {slots, (long) kv.numKvHeads() * kv.headDim()});
        float[] values = new float[Math.toIntExact(view.elements())];
        copyToHost(view, slots, values);
        return values;
    }

    private float[] readQuantizedCache(CudaKvCache kv, int layer, boolean keys, int slots) {
        driver.setCurrent(context);
        fusion.flush();
        int kvSize = kv.numKvHeads() * kv.headDim();
        try (Arena host = Arena.ofConfined()) {
            MemorySegment codes = host.allocate((long) slots * kvSize);
            MemorySegment scales = host.allocate((long) slots * kv.numKvHeads() * Float.BYTES, Float.BYTES);
            driver.copyDeviceToHost(codes, keys ? kv.layerKeys(layer) : kv.layerValues(layer), codes.byteSize(),
                    stream);
            driver.copyDeviceToHost(scales, keys ? kv.layerKeyScales(layer) : kv.layerValueScales(layer),
                    scales.byteSize(), stream);
            driver.streamSynchronize(stream);
            float[] values = new float[slots * kvSize];
            for (int i = 0; i < values.length; i++) {
                float scale = scales.getAtIndex(ValueLayout.JAVA_FLOAT, i / kv.headDim());
                values[i] = KvQuantizer.decode(kv.dtype(), codes.get(ValueLayout.JAVA_BYTE, i)) * scale;
            }
            return values;
        }
    }

    /**
     * Device-to-device copy bandwidth in bytes per second, counting bytes read plus bytes written: the memory roofline
     * that decode speed is measured against.
     */
    public double copyBandwidth(long bytes, int repeats) {
        driver.setCurrent(context);
        fusion.flush();
        return CopyBandwidth.measure(driver, stream, bytes, repeats);
    }

    /** The kernels, driver and stream, for kernel benchmarks in this package (GemvBenchmark and others). */
    Kernels kernels() {
        return kernels;
    }

    /** fp8.cu's launchers (for kernel tests in this package). */
    Fp8Kernels fp8Kernels() {
        return fp8Kernels;
    }

    CudaDriver driver() {
        return driver;
    }

    /** The quantized products' launchers and their large-batch path, for QuantGemvBenchmark. */
    QuantGemv quantGemv() {
        return quantGemv;
    }

    QuantizedProducts quantizedProducts() {
        return quantizedProducts;
    }

    long stream() {
        return stream;
    }

    /** The step metadata, for kernel tests and benchmarks in this package (PrefillAttentionBenchmark). */
    StepMetadata metadata() {
        return metadata;
    }

    /**
     * The bf16 matrix-product rate of this GPU through the same cuBLASLt path the linear layers take (bf16 operands,
     * float32 accumulation, bf16 output), in floating-point operations per second: {@code rows × in} activations
     * times an {@code out × in} weight, 2·rows·in·out operations a product, timed with CUDA events over
     * {@code repeats} products after one warm-up. The operands hold random values (a product over zeros runs faster
     * than over real data). The compute roofline that prefill is measured against.
     */
    public double gemmRate(int rows, int in, int out, int repeats) {
        driver.setCurrent(context);
        long xBytes = (long) rows * in * Short.BYTES;
        long wBytes = (long) out * in * Short.BYTES;
        long x = driver.memAlloc(xBytes);
        long w = driver.memAlloc(wBytes);
        long y = driver.memAlloc((long) rows * out * Short.BYTES);
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            fillRandomBf16(x, xBytes);
            fillRandomBf16(w, wBytes);
            CudaLinear weights = new CudaLinear(w, OptionalLong.empty(), in, out);
            gemm.run(weights, x, rows, y, DType.BF16);
            driver.eventRecord(start, stream);
            for (int i = 0; i < repeats; i++) {
                gemm.run(weights, x, rows, y, DType.BF16);
            }
            driver.eventRecord(end, stream);
            driver.eventSynchronize(end);
            double seconds = driver.eventElapsedMillis(start, end) / 1e3;
            return 2.0 * rows * in * out * repeats / seconds;
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
            driver.memFree(x);
            driver.memFree(w);
            driver.memFree(y);
        }
    }

    /** Fills device memory with bf16 values uniform in (-1, 1), tiling one pinned random block. */
    private void fillRandomBf16(long pointer, long bytes) {
        long tile = Math.min(bytes, 16L << 20);
        MemorySegment host = driver.hostAlloc(tile);
        try {
            SplittableRandom random = new SplittableRandom(tile);
            for (long i = 0; i < tile / Short.BYTES; i++) {
                float value = (float) (random.nextDouble() * 2 - 1);
                host.setAtIndex(JAVA_SHORT, i, (short) (Float.floatToRawIntBits(value) >>> 16));
            }
            for (long offset = 0; offset < bytes; offset += tile) {
                driver.copyHostToDevice(pointer + offset, host, Math.min(tile, bytes - offset), stream);
            }
            driver.streamSynchronize(stream);
        } finally {
            driver.hostFree(host);
        }
    }

    /** Decode-step recordings currently held (for tests and logs). */
    int recordedSteps() {
        return graphs.size();
    }

    /** Waits until every op enqueued so far has run. */
    public void synchronize() {
        driver.setCurrent(context);
        fusion.flush();
        driver.streamSynchronize(stream);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        driver.setCurrent(context);
        fusion.discard();
        driver.streamSynchronize(stream);
        graphs.close();
        timer.close();
        sampler.close();
        attentionCounters.close();
        attentionPartials.close();
        metadata.close();
        uploader.close();
        gemm.close();
        fp8Gemm.close();
        memory.close();
        transfers.close();
        module.close();
        driver.streamDestroy(stream);
        driver.primaryContextRelease(device.handle());
        arena.close();
    }
}
