package ai.jllm.cpu;

import ai.jllm.JllmException;
import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.sampling.HostSampling;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.tensor.DType;
import ai.jllm.quant.Int4Packing;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CPU backend: float32 activations and KV cache in Java arrays, float32 and bfloat16 weights read in place from
 * the memory-mapped checkpoint (float16 weights are widened to float32 once at load), int8 and int4 weight-only
 * quantized weights read in place too and dequantized in registers, Vector API kernels, and a fixed pool of threads. It is also the reference every other backend is tested against.
 */
public final class CpuBackend implements Backend {

    private final WorkerPool pool;
    private final LinearKernel linearKernel;
    private final AttentionKernel attentionKernel;
    private final Arena arena = Arena.ofShared();
    private HostSampling[] samplers = new HostSampling[0]; // one per worker, for the vocabulary last sampled

    /** @param threads worker threads, the caller's included (usually the number of cores) */
    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.linearKernel = new LinearKernel(pool);
        this.attentionKernel = new AttentionKernel(pool);
    }

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "CPU: " + pool.threads() + " threads, " + VectorKernels.FLOATS.vectorBitSize() + "-bit vectors";
    }

    @Override
    public DType activationType() {
        return DType.F32;
    }

    // ---- memory ----

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException("the CPU backend allocates float32 tensors, not " + dtype);
        }
        return CpuTensor.zeros(shape);
    }

    @Override
    public Tensor upload(TensorView weight) {
        if (weight.shape().length == 2) {
            return matrix(weight);
        }
        return new CpuTensor(weight.toFloatArray(), weight.shape());
    }

    @Override
    public Tensor upload(float[] values, long... shape) {
        return new CpuTensor(values.clone(), shape);
    }

    @Override
    public LinearWeights linear(List<TensorView> weightParts, List<TensorView> biasParts) {
        List<StoredMatrix> parts = new ArrayList<>(weightParts.size());
        DType common = weightParts.stream().allMatch(p -> p.dtype() == DType.BF16) ? DType.BF16 : DType.F32;
        for (TensorView part : weightParts) {
            StoredMatrix matrix = matrix(part);
            parts.add(matrix.dtype() == common ? matrix : widen(part));
        }
        return new CpuLinear(parts, bias(biasParts));
    }

    /** Quantized weights are read in place, like bf16 ones; an identity input order is dropped. */
    @Override
    public LinearWeights linear(QuantizedLinear weight, List<TensorView> biasParts) {
        CpuMatrix matrix = switch (weight) {
            case QuantizedLinear.Int8 int8 -> new Int8Matrix(int8.weight().data(), int8.scales().data(),
                    int8.outFeatures(), int8.inFeatures());
            case QuantizedLinear.Int4 int4 -> new Int4Matrix(int4.packed().data(), int4.scales().data(),
                    int4.zeros().data(), int4.outFeatures(), int4.inFeatures(), int4.groupSize(),
                    int4.inputOrder().map(order -> Int4Packing.readOrder(order, int4.inFeatures()))
                            .filter(order -> !isIdentity(order)));
            case QuantizedLinear.Fp8 fp8 -> throw new JllmException(FP8_CUDA_ONLY);
        };
        return new CpuLinear(List.of(matrix), bias(biasParts));
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** The bias parts concatenated as floats; empty when there are none. */
    private static Optional<float[]> bias(List<TensorView> biasParts) {
        Optional<float[]> bias = Optional.empty();
        if (!biasParts.isEmpty()) {
            int length = 0;
            for (TensorView part : biasParts) {
                length += Math.toIntExact(part.elementCount());
            }
            float[] values = new float[length];
            int offset = 0;
            for (TensorView part : biasParts) {
                float[] partValues = part.toFloatArray();
                System.arraycopy(partValues, 0, values, offset, partValues.length);
                offset += partValues.length;
            }
            bias = Optional.of(values);
        }
        return bias;
    }

    @Override
    public KvCache allocateKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim,
                                   KvCacheDtype dtype) {
        return new CpuKvCache(numLayers, numBlocks, blockSize, numKvHeads, headDim, dtype);
    }

    /** Half the free Java heap (the cache lives there): the rest stays for activations and the JVM itself. */
    @Override
    public long availableMemory() {
        Runtime runtime = Runtime.getRuntime();
        return (runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory())) / 2;
    }

    /** A weight matrix as the kernels read it: in place for F32/BF16, widened once otherwise. */
    private StoredMatrix matrix(TensorView view) {
        long[] shape = view.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("tensor " + view.name() + " is not a matrix");
        }
        if (view.dtype() == DType.F32 || view.dtype() == DType.BF16) {
            return new StoredMatrix(view.data(), view.dtype(), Math.toIntExact(shape[0]), Math.toIntExact(shape[1]));
        }
        return widen(view);
    }

    private StoredMatrix widen(TensorView view) {
        long[] shape = view.shape();
        MemorySegment copy = arena.allocate(view.elementCount() * Float.BYTES, 64);
        MemorySegment.copy(view.toFloatArray(), 0, copy, ValueLayout.JAVA_FLOAT, 0, Math.toIntExact(view.elementCount()));
        return new StoredMatrix(copy, DType.F32, Math.toIntExact(shape[0]), Math.toIntExact(shape[1]));
    }

    // ---- ops ----

    /**
     * The CPU reads the batch's arrays where they are; a step fed from a sampling gets its tokens copied in here (this
     * backend's sampling has finished when it returns).
     */
    @Override
    public void prepare(ForwardBatch batch) {
        int fed = batch.sampledTokenRows();
        if (fed > 0) {
            System.arraycopy(batch.sampledTokenSource().tokenIds(), 0, batch.tokenIds(), 0, fed);
        }
    }

    @Override
    public void copyKvBlocks(KvCache cache, int[] sources, int[] destinations) {
        CpuKvCache kv = CpuKvCache.of(cache);
        for (int layer = 0; layer < kv.numLayers(); layer++) {
            for (int i = 0; i < sources.length; i++) {
                kv.layer(layer).copyBlock(sources[i], destinations[i]);
            }
        }
    }

    @Override
    public void embedding(Tensor table, ForwardBatch batch, Tensor out) {
        StoredMatrix matrix = StoredMatrix.of(table);
        CpuTensor output = CpuTensor.of(out);
        float[] o = output.data();
        int width = matrix.columns();
        int[] tokenIds = batch.tokenIds();
        pool.parallelFor(batch.numTokens(), 1, (start, end, worker) -> {
            for (int t = start; t < end; t++) {
                int token = tokenIds[t];
                if (token < 0 || token >= matrix.rows()) {
                    throw new IllegalArgumentException(
                            "token id " + token + " is outside the vocabulary of " + matrix.rows());
                }
                long base = token * matrix.rowBytes();
                for (int i = 0; i < width; i++) {
                    o[t * width + i] = matrix.dtype() == DType.BF16
                            ? VectorKernels.bf16(matrix.data(), base + 2L * i)
                            : VectorKernels.f32(matrix.data(), base + 4L * i);
                }
            }
        });
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, int rows, Tensor out) {
        float[] input = CpuTensor.of(x).data();
        float[] w = CpuTensor.of(weight).data();
        float[] o = CpuTensor.of(out).data();
        int width = w.length;
        pool.parallelFor(rows, 4, (start, end, worker) -> {
            for (int r = start; r < end; r++) {
                normalize(input, r * width, w, eps, o, r * width, width);
            }
        });
    }

    @Override
    public void addRmsNorm(Tensor residual, Tensor delta, Tensor weight, float eps, int rows, Tensor out) {
        float[] stream = CpuTensor.of(residual).data();
        float[] d = CpuTensor.of(delta).data();
        float[] w = CpuTensor.of(weight).data();
        float[] o = CpuTensor.of(out).data();
        int width = w.length;
        pool.parallelFor(rows, 4, (start, end, worker) -> {
            for (int r = start; r < end; r++) {
                VectorKernels.axpy(1f, d, r * width, stream, r * width, width);
                normalize(stream, r * width, w, eps, o, r * width, width);
            }
        });
    }

    /** out = x / sqrt(mean(x^2) + eps) * weight, over one row of {@code width}. */
    private static void normalize(float[] x, int xOffset, float[] weight, float eps, float[] out, int outOffset,
                                  int width) {
        float meanSquare = VectorKernels.sumOfSquares(x, xOffset, width) / width;
        float scale = (float) (1.0 / Math.sqrt(meanSquare + eps));
        for (int i = 0; i < width; i++) {
            out[outOffset + i] = weight[i] * (x[xOffset + i] * scale);
        }
    }

    @Override
    public void linear(Tensor x, LinearWeights weights, int rows, Tensor out) {
        CpuTensor input = CpuTensor.of(x);
        CpuTensor output = CpuTensor.of(out);
        CpuLinear linear = (CpuLinear) weights;
        if (input.width() != linear.inFeatures() || output.width() != linear.outFeatures()) {
            throw new IllegalArgumentException("linear " + linear.inFeatures() + " -> " + linear.outFeatures()
                    + " applied to rows of " + input.width() + " into rows of " + output.width());
        }
        linearKernel.run(input.data(), input.width(), rows, linear, output.data(), output.width());
    }

    @Override
    public void qkNorm(Tensor qkv, Tensor qWeight, Tensor kWeight, float eps, AttentionShape shape, int rows) {
        CpuTensor tensor = CpuTensor.of(qkv);
        float[] data = tensor.data();
        float[] qw = CpuTensor.of(qWeight).data();
        float[] kw = CpuTensor.of(kWeight).data();
        int width = tensor.width();
        int headDim = shape.headDim();
        int heads = shape.numHeads();
        int kvHeads = shape.numKvHeads();
        pool.parallelFor(rows, 4, (start, end, worker) -> {
            for (int t = start; t < end; t++) {
                int row = t * width;
                for (int h = 0; h < heads; h++) {
                    normalize(data, row + h * headDim, qw, eps, data, row + h * headDim, headDim);
                }
                for (int h = 0; h < kvHeads; h++) {
                    int offset = row + shape.qSize() + h * headDim;
                    normalize(data, offset, kw, eps, data, offset, headDim);
                }
            }
        });
    }

    @Override
    public void ropeAndWriteKv(Tensor qkv, Tensor ropeTable, AttentionShape shape, KvCache cache, int layer,
                               ForwardBatch batch) {
        CpuTensor tensor = CpuTensor.of(qkv);
        float[] data = tensor.data();
        float[] table = CpuTensor.of(ropeTable).data();
        long maxPositions = ropeTable.shape()[0];
        CpuKvLayer kv = CpuKvCache.of(cache).layer(layer);
        int width = tensor.width();
        int headDim = shape.headDim();
        int half = headDim / 2;
        int qSize = shape.qSize();
        int kvSize = shape.kvSize();
        int rotatedHeads = shape.numHeads() + shape.numKvHeads();
        int[] positions = batch.positions();
        int[] slots = batch.slotMapping();
        pool.parallelFor(batch.numTokens(), 4, (start, end, worker) -> {
            for (int t = start; t < end; t++) {
                int position = positions[t];
                if (position >= maxPositions) {
                    throw new IllegalArgumentException("position " + position + " is beyond the rotary table of "
                            + maxPositions + " positions");
                }
                int cosOffset = position * headDim;
                int row = t * width;
                // q heads then k heads are contiguous: rotate all of them with the same cos/sin row.
                for (int h = 0; h < rotatedHeads; h++) {
                    int offset = row + h * headDim;
                    for (int i = 0; i < half; i++) {
                        float cos = table[cosOffset + i];
                        float sin = table[cosOffset + half + i];
                        float x1 = data[offset + i];
                        float x2 = data[offset + half + i];
                        data[offset + i] = x1 * cos - x2 * sin;
                        data[offset + half + i] = x2 * cos + x1 * sin;
                    }
                }
                kv.write(slots[t], data, row + qSize, row + qSize + kvSize);
            }
        });
    }

    @Override
    public void attention(Tensor qkv, KvCache cache, int layer, AttentionShape shape, ForwardBatch batch, Tensor out) {
        CpuTensor input = CpuTensor.of(qkv);
        CpuTensor output = CpuTensor.of(out);
        attentionKernel.run(input.data(), input.width(), CpuKvCache.of(cache).layer(layer), shape, batch,
                output.data(), output.width());
    }

    @Override
    public void siluMul(Tensor gateUp, int rows, Tensor out) {
        CpuTensor input = CpuTensor.of(gateUp);
        float[] g = input.data();
        float[] o = CpuTensor.of(out).data();
        int intermediate = input.width() / 2;
        pool.parallelFor(rows, 4, (start, end, worker) -> {
            for (int r = start; r < end; r++) {
                int in = r * 2 * intermediate;
                int at = r * intermediate;
                for (int i = 0; i < intermediate; i++) {
                    float gate = g[in + i];
                    o[at + i] = gate / (1f + (float) Math.exp(-gate)) * g[in + intermediate + i];
                }
            }
        });
    }

    @Override
    public void gatherLogitsRows(Tensor x, ForwardBatch batch, Tensor out) {
        CpuTensor input = CpuTensor.of(x);
        float[] o = CpuTensor.of(out).data();
        int width = input.width();
        int[] indices = batch.logitsIndices();
        for (int i = 0; i < batch.numLogits(); i++) {
            System.arraycopy(input.data(), indices[i] * width, o, i * width, width);
        }
    }

    /** The host reference itself, one row per task, each worker with its own scratch. */
    @Override
    public void sample(Tensor logits, SamplingBatch batch, SampleOutput out) {
        CpuTensor tensor = CpuTensor.of(logits);
        int vocab = tensor.width();
        if (batch.vocabSize() != vocab) {
            throw new IllegalArgumentException("sampling batch is for a vocabulary of " + batch.vocabSize()
                    + " but the logits rows hold " + vocab);
        }
        if (samplers.length != pool.threads() || samplers[0].vocabSize() != vocab) {
            samplers = new HostSampling[pool.threads()];
            for (int i = 0; i < samplers.length; i++) {
                samplers[i] = new HostSampling(vocab);
            }
        }
        float[] data = tensor.data();
        HostSampling[] workers = samplers;
        pool.parallelFor(batch.numRows(), 1, (start, end, worker) -> {
            for (int row = start; row < end; row++) {
                workers[worker].sampleRow(data, batch, row, out);
            }
        });
    }

    @Override
    public void copyToHost(Tensor source, int rows, float[] destination) {
        CpuTensor tensor = CpuTensor.of(source);
        System.arraycopy(tensor.data(), 0, destination, 0, rows * tensor.width());
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }
}
