package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import ai.jllm.JllmException;
import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.StepShape;
import ai.jllm.backend.Tensor;
import ai.jllm.sampling.HostSampling;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The CUDA backend: bf16 activations and KV cache, bf16 weight matrices (fused parts stacked into one [out, in]
 * matrix), f32 norm weights and rotary table, f32 logits. Every op enqueues work on one stream; only
 * {@link #copyToHost} waits for the device. Kernels are jllm's own (src/main/cuda), matrix products go through
 * cuBLASLt.
 *
 * <p>Not thread-safe: one thread drives a backend at a time (the engine's step loop). Each entry point makes the
 * backend's context current on the calling thread.
 */
public final class CudaBackend implements Backend {

    private float[] hostLogits = new float[0];
    private HostSampling hostSampling;

    private final Arena arena;
    private final CudaDriver driver;
    private final CudaDevice device;
    private final long context;
    private final long stream;
    private final KernelModule module;
    private final Kernels kernels;
    private final Gemm gemm;
    private final WeightUploader uploader;
    private final StepMetadata metadata;
    private final StepGraphs graphs;
    private final boolean useGraphs;
    /** True while a decode step runs for recording: ops pick parameters from capacities, not from the step's data. */
    private boolean recordable;
    private final List<Long> allocations = new ArrayList<>();
    private MemorySegment readback;
    private long attentionWorkspace;
    private long attentionWorkspaceBytes;
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
        this.kernels = new Kernels(driver, module, stream, arena);
        this.gemm = new Gemm(driver, CublasLt.load(arena), stream, arena);
        this.uploader = new WeightUploader(driver, stream);
        this.metadata = new StepMetadata(driver, stream);
        this.graphs = new StepGraphs(driver, stream);
        this.readback = driver.hostAlloc(1 << 20);
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
        CudaTensor tensor = new CudaTensor(deviceMemory(CudaTensor.elementCount(shape) * dtype.byteSize()), dtype,
                shape);
        driver.memsetBytes(tensor.pointer(), (byte) 0, tensor.bytes(), stream);
        return tensor;
    }

    /** Matrices (the embedding table) become bf16, vectors (norm weights) f32. */
    @Override
    public Tensor upload(TensorView weight) {
        driver.setCurrent(context);
        DType type = weight.rank() == 2 ? DType.BF16 : DType.F32;
        CudaTensor tensor = new CudaTensor(deviceMemory(weight.elementCount() * type.byteSize()), type,
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
        CudaTensor tensor = new CudaTensor(deviceMemory((long) values.length * Float.BYTES), DType.F32, shape);
        uploader.upload(values, tensor.pointer());
        return tensor;
    }

    @Override
    public LinearWeights linear(List<TensorView> weightParts, List<TensorView> biasParts) {
        if (weightParts.isEmpty()) {
            throw new IllegalArgumentException("a linear layer needs at least one weight matrix");
        }
        driver.setCurrent(context);
        int in = Math.toIntExact(weightParts.getFirst().dim(1));
        long outRows = 0;
        for (TensorView part : weightParts) {
            if (part.rank() != 2 || part.dim(1) != in) {
                throw new JllmException(part.file() + ": tensor " + part.name() + " cannot be fused with "
                        + weightParts.getFirst().name() + ": shapes differ in the input dimension");
            }
            outRows += part.dim(0);
        }
        int out = Math.toIntExact(outRows);
        long weight = deviceMemory((long) out * in * Short.BYTES);
        long row = 0;
        for (TensorView part : weightParts) {
            uploader.upload(part, weight + row * in * Short.BYTES, DType.BF16);
            row += part.dim(0);
        }
        OptionalLong bias = OptionalLong.empty();
        if (!biasParts.isEmpty()) {
            long biasMemory = deviceMemory((long) out * Short.BYTES);
            long offset = 0;
            for (TensorView part : biasParts) {
                uploader.upload(part, biasMemory + offset * Short.BYTES, DType.BF16);
                offset += part.elementCount();
            }
            if (offset != out) {
                throw new JllmException("bias " + biasParts.getFirst().name() + " has " + offset + " values for "
                        + out + " outputs");
            }
            bias = OptionalLong.of(biasMemory);
        }
        return new CudaLinear(weight, bias, in, out);
    }

    @Override
    public KvCache allocateKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim) {
        if (headDim > Kernels.ATTENTION_MAX_HEAD_DIM || headDim % 8 != 0) {
            throw new JllmException("the CUDA attention kernel supports head sizes that are multiples of 8 up to "
                    + Kernels.ATTENTION_MAX_HEAD_DIM + ", not " + headDim);
        }
        driver.setCurrent(context);
        long bytes = numLayers * CudaKvCache.layerBytes(numBlocks, blockSize, numKvHeads, headDim);
        long keys = deviceMemory(bytes);
        long values = deviceMemory(bytes);
        driver.memsetBytes(keys, (byte) 0, bytes, stream);
        driver.memsetBytes(values, (byte) 0, bytes, stream);
        return new CudaKvCache(keys, values, numLayers, numBlocks, blockSize, numKvHeads, headDim);
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
        long blockBytes = CudaKvCache.layerBytes(1, kv.blockSize(), kv.numKvHeads(), kv.headDim());
        for (int layer = 0; layer < kv.numLayers(); layer++) {
            for (int i = 0; i < sources.length; i++) {
                driver.copyDeviceToDevice(kv.layerKeys(layer) + destinations[i] * blockBytes,
                        kv.layerKeys(layer) + sources[i] * blockBytes, blockBytes, stream);
                driver.copyDeviceToDevice(kv.layerValues(layer) + destinations[i] * blockBytes,
                        kv.layerValues(layer) + sources[i] * blockBytes, blockBytes, stream);
            }
        }
    }

    private long deviceMemory(long bytes) {
        long pointer;
        try {
            pointer = driver.memAlloc(Math.max(bytes, 1));
        } catch (CudaException e) {
            CudaDriver.MemoryInfo memory = driver.memoryInfo();
            throw new JllmException("out of GPU memory allocating " + mib(bytes) + " MiB (" + mib(memory.free())
                    + " MiB free of " + mib(memory.total()) + " MiB); lower --max-num-tokens, --max-batch-size or "
                    + "--kv-cache-free-gpu-memory-fraction", e);
        }
        allocations.add(pointer);
        return pointer;
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    // ---- ops ----

    @Override
    public void prepare(ForwardBatch batch) {
        driver.setCurrent(context);
        if (metadata.upload(batch)) {
            graphs.clear();
        }
    }

    /**
     * Decode steps (one token per sequence) are recorded as a CUDA graph per shape and replayed; other steps run
     * eagerly. While recordable, attention splits its keys by the cache's capacity rather than by the step's
     * positions, so that one recording serves every later step of the shape.
     */
    @Override
    public void runStep(StepShape shape, Runnable ops) {
        if (!useGraphs || !shape.decodeOnly()) {
            ops.run();
            return;
        }
        recordable = true;
        try {
            graphs.run(shape, ops);
        } finally {
            recordable = false;
        }
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
        kernels.embeddingGather(matrix.pointer(), metadata.tokenIds(), matrix.width(), output.pointer(),
                batch.numTokens());
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, int rows, Tensor out) {
        CudaTensor w = CudaTensor.of(weight).expect(DType.F32, "rmsNorm");
        kernels.rmsNorm(CudaTensor.of(x).expect(DType.BF16, "rmsNorm").pointer(), w.pointer(), eps,
                Math.toIntExact(w.elements()), CudaTensor.of(out).expect(DType.BF16, "rmsNorm").pointer(), rows);
    }

    @Override
    public void addRmsNorm(Tensor residual, Tensor delta, Tensor weight, float eps, int rows, Tensor out) {
        CudaTensor w = CudaTensor.of(weight).expect(DType.F32, "addRmsNorm");
        kernels.addRmsNorm(CudaTensor.of(residual).expect(DType.BF16, "addRmsNorm").pointer(),
                CudaTensor.of(delta).expect(DType.BF16, "addRmsNorm").pointer(), w.pointer(), eps,
                Math.toIntExact(w.elements()), CudaTensor.of(out).expect(DType.BF16, "addRmsNorm").pointer(), rows);
    }

    @Override
    public void linear(Tensor x, LinearWeights weights, int rows, Tensor out) {
        CudaTensor input = CudaTensor.of(x).expect(DType.BF16, "linear");
        CudaTensor output = CudaTensor.of(out);
        CudaLinear linear = CudaLinear.of(weights);
        if (input.width() != linear.inFeatures() || output.width() != linear.outFeatures()) {
            throw new IllegalArgumentException("linear " + linear.inFeatures() + " -> " + linear.outFeatures()
                    + " applied to rows of " + input.width() + " into rows of " + output.width());
        }
        gemm.run(linear, input.pointer(), rows, output.pointer(), output.dtype());
    }

    @Override
    public void qkNorm(Tensor qkv, Tensor qWeight, Tensor kWeight, float eps, AttentionShape shape, int rows) {
        CudaTensor tensor = CudaTensor.of(qkv).expect(DType.BF16, "qkNorm");
        kernels.qkNorm(tensor.pointer(), CudaTensor.of(qWeight).expect(DType.F32, "qkNorm").pointer(),
                CudaTensor.of(kWeight).expect(DType.F32, "qkNorm").pointer(), eps, tensor.width(), shape.numHeads(),
                shape.numKvHeads(), shape.headDim(), rows);
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
        kernels.ropeWriteKv(tensor.pointer(), table.pointer(), metadata.positions(), metadata.slots(),
                kv.layerKeys(layer), kv.layerValues(layer), tensor.width(), shape.numHeads(), shape.numKvHeads(),
                shape.headDim(), batch.numTokens());
    }

    @Override
    public void attention(Tensor qkv, KvCache cache, int layer, AttentionShape shape, ForwardBatch batch, Tensor out) {
        CudaTensor input = CudaTensor.of(qkv).expect(DType.BF16, "attention");
        CudaTensor output = CudaTensor.of(out).expect(DType.BF16, "attention");
        CudaKvCache kv = CudaKvCache.of(cache);
        int window = shape.slidingWindow().orElse(Integer.MAX_VALUE);
        int tokens = batch.numTokens();
        int longest = 0;
        if (recordable) {
            longest = (int) Math.min(window, (long) batch.maxBlocksPerSequence() * batch.blockSize());
        } else {
            int[] positions = batch.positions();
            for (int t = 0; t < tokens; t++) {
                longest = Math.max(longest, Math.min(positions[t] + 1, window));
            }
        }
        AttentionSplit split = AttentionSplit.of(tokens * shape.numHeads(), longest, device.multiprocessors());
        long partial = 0;
        if (split.splits() > 1) {
            partial = attentionWorkspace((long) tokens * shape.numHeads() * split.splits() * (shape.headDim() + 2)
                    * Float.BYTES);
        }
        kernels.pagedAttention(input.pointer(), kv.layerKeys(layer), kv.layerValues(layer), metadata.positions(),
                metadata.tokenSequence(), metadata.blockTables(), batch.maxBlocksPerSequence(), batch.blockSize(),
                input.width(), shape.numHeads(), shape.numKvHeads(), shape.headDim(), shape.scale(), window,
                split.splits(), split.keysPerSplit(), partial, output.pointer(), output.width(), tokens);
    }

    /** The split-K attention's partial results: grown on demand (forgetting recordings of the old one). */
    private long attentionWorkspace(long bytes) {
        if (attentionWorkspaceBytes < bytes) {
            if (attentionWorkspaceBytes > 0) {
                graphs.clear();
                allocations.remove(Long.valueOf(attentionWorkspace));
                driver.memFree(attentionWorkspace);
            }
            long size = Math.max(bytes, 2 * attentionWorkspaceBytes);
            attentionWorkspace = deviceMemory(size);
            attentionWorkspaceBytes = size;
        }
        return attentionWorkspace;
    }

    @Override
    public void siluMul(Tensor gateUp, int rows, Tensor out) {
        CudaTensor input = CudaTensor.of(gateUp).expect(DType.BF16, "siluMul");
        kernels.siluMul(input.pointer(), rows, input.width() / 2,
                CudaTensor.of(out).expect(DType.BF16, "siluMul").pointer());
    }

    @Override
    public void gatherLogitsRows(Tensor x, ForwardBatch batch, Tensor out) {
        CudaTensor input = CudaTensor.of(x).expect(DType.BF16, "gatherLogitsRows");
        kernels.gatherRows(input.pointer(), metadata.logitsIndices(), input.width(),
                CudaTensor.of(out).expect(DType.BF16, "gatherLogitsRows").pointer(), batch.numLogits());
    }

    /** Waits for the stream, then copies; bf16 tensors are widened to float. */
    /**
     * Samples on the host for now: the logits rows the batch reads are copied back and run through the host
     * reference ({@link HostSampling}). GPU sampling kernels are the next step; this keeps every sampling feature
     * working on the GPU backend meanwhile.
     */
    @Override
    public void sample(Tensor logits, SamplingBatch batch, SampleOutput out) {
        int rows = 0;
        for (int r = 0; r < batch.numRows(); r++) {
            rows = Math.max(rows, batch.logitsRows()[r] + 1);
        }
        int vocab = batch.vocabSize();
        if (hostLogits.length < rows * vocab) {
            hostLogits = new float[rows * vocab];
        }
        if (hostSampling == null || hostSampling.vocabSize() != vocab) {
            hostSampling = new HostSampling(vocab);
        }
        copyToHost(logits, rows, hostLogits);
        hostSampling.sample(hostLogits, batch, out);
    }

    @Override
    public void copyToHost(Tensor source, int rows, float[] destination) {
        CudaTensor tensor = CudaTensor.of(source);
        long elements = (long) rows * tensor.width();
        driver.setCurrent(context);
        MemorySegment host = readbackBuffer(elements * tensor.dtype().byteSize());
        driver.copyDeviceToHost(host, tensor.pointer(), elements * tensor.dtype().byteSize(), stream);
        driver.streamSynchronize(stream);
        if (tensor.dtype() == DType.F32) {
            MemorySegment.copy(host, JAVA_FLOAT, 0, destination, 0, (int) elements);
        } else {
            for (int i = 0; i < elements; i++) {
                destination[i] = Bf16.toFloat(host.getAtIndex(JAVA_SHORT, i));
            }
        }
    }

    /** Host values into a device tensor, rounded to its type (tests use it to set inputs and to poison outputs). */
    void write(Tensor target, float[] values) {
        CudaTensor tensor = CudaTensor.of(target);
        if (values.length != tensor.elements()) {
            throw new IllegalArgumentException(values.length + " values for " + tensor);
        }
        driver.setCurrent(context);
        driver.streamSynchronize(stream);
        MemorySegment host = readbackBuffer(tensor.bytes());
        for (int i = 0; i < values.length; i++) {
            if (tensor.dtype() == DType.F32) {
                host.setAtIndex(JAVA_FLOAT, i, values[i]);
            } else {
                host.setAtIndex(JAVA_SHORT, i, Bf16.fromFloat(values[i]));
            }
        }
        driver.copyHostToDevice(tensor.pointer(), host, tensor.bytes(), stream);
        driver.streamSynchronize(stream);
    }

    /** One layer's cached keys or values as floats: [numBlocks * blockSize, numKvHeads * headDim]. */
    float[] readCache(KvCache cache, int layer, boolean keys) {
        CudaKvCache kv = CudaKvCache.of(cache);
        int slots = kv.numBlocks() * kv.blockSize();
        CudaTensor view = new CudaTensor(keys ? kv.layerKeys(layer) : kv.layerValues(layer), DType.BF16,
                new long[] {slots, (long) kv.numKvHeads() * kv.headDim()});
        float[] values = new float[Math.toIntExact(view.elements())];
        copyToHost(view, slots, values);
        return values;
    }

    private MemorySegment readbackBuffer(long bytes) {
        if (readback.byteSize() < bytes) {
            driver.hostFree(readback);
            readback = driver.hostAlloc(Math.max(bytes, 2 * readback.byteSize()));
        }
        return readback;
    }

    /**
     * Device-to-device copy bandwidth in bytes per second, counting bytes read plus bytes written: the memory roofline
     * that decode speed is measured against.
     */
    public double copyBandwidth(long bytes, int repeats) {
        driver.setCurrent(context);
        long source = driver.memAlloc(bytes);
        long target = driver.memAlloc(bytes);
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            driver.memsetBytes(source, (byte) 1, bytes, stream);
            driver.copyDeviceToDevice(target, source, bytes, stream);
            driver.eventRecord(start, stream);
            for (int i = 0; i < repeats; i++) {
                driver.copyDeviceToDevice(target, source, bytes, stream);
            }
            driver.eventRecord(end, stream);
            driver.eventSynchronize(end);
            double seconds = driver.eventElapsedMillis(start, end) / 1e3;
            return 2.0 * bytes * repeats / seconds;
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
            driver.memFree(source);
            driver.memFree(target);
        }
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
        driver.streamSynchronize(stream);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        driver.setCurrent(context);
        driver.streamSynchronize(stream);
        graphs.close();
        metadata.close();
        uploader.close();
        gemm.close();
        for (long pointer : allocations) {
            driver.memFree(pointer);
        }
        allocations.clear();
        driver.hostFree(readback);
        module.close();
        driver.streamDestroy(stream);
        driver.primaryContextRelease(device.handle());
        arena.close();
    }
}
