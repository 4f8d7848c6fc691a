package ai.jllm.backend;

import ai.jllm.JllmException;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.util.List;
import java.util.Optional;

/**
 * A place where a model runs: memory, and the handful of ops a decoder needs. The model is written once against this
 * interface; the CPU backend runs each op eagerly, the CUDA backend enqueues kernels on a stream.
 *
 * <p>Activation tensors are allocated for the largest step; every op works on the first rows named by its
 * {@code rows} argument or by the step's {@link ForwardBatch}. Shapes below use: T = tokens in the step,
 * H = hidden size, Q = heads × head dim, KV = kv heads × head dim, I = intermediate size, V = vocabulary.
 */
public interface Backend extends AutoCloseable {

    /** Short name as users select it: "cpu", "cuda". */
    String name();

    /** One line for logs: the device and how it is used. */
    String description();

    /** The element type of activations (and of a {@link KvCacheDtype#AUTO} KV cache) on this backend. */
    DType activationType();

    // ---- memory ----

    /** A zeroed tensor of this backend's memory. */
    Tensor allocate(DType dtype, long... shape);

    /** A stored weight (norm weights, embedding table) placed on this backend; the view's memory stays valid. */
    Tensor upload(TensorView weight);

    /** Host floats placed on this backend, for tables the model computes itself (rotary cos/sin). */
    Tensor upload(float[] values, long... shape);

    /**
     * The weights of one linear layer: {@code weightParts} (each [out_i, in]) stacked along the output rows,
     * so QKV or gate/up projections stored separately run as one matrix product. Biases, when present, match the parts.
     */
    LinearWeights linear(List<TensorView> weightParts, List<TensorView> biasParts);

    /** How every backend without FP8 matrix products refuses an fp8 engine. */
    String FP8_CUDA_ONLY = "fp8 runs on the CUDA backend only (Hopper/Ada, sm_89+)";

    /**
     * A weight-only quantized linear layer, already fused and packed in jllm's layout (see {@link QuantizedLinear});
     * the backend dequantizes on the fly in {@link #linear(Tensor, LinearWeights, int, Tensor)}. Biases as above. The
     * default refuses: a backend gains the capability by overriding this.
     */
    default LinearWeights linear(QuantizedLinear weight, List<TensorView> biasParts) {
        String scheme = switch (weight) {
            case QuantizedLinear.Int8 int8 -> "int8";
            case QuantizedLinear.Int4 int4 -> "int4";
            case QuantizedLinear.Fp8 fp8 -> throw new JllmException(FP8_CUDA_ONLY);
        };
        throw new JllmException("the " + name() + " backend has no " + scheme + " weight-only kernels yet; run this "
                + "model with --backend cpu, or build an engine with --quantization none");
    }

    /** A KV cache in the activation type; see {@link #allocateKvCache(int, int, int, int, int, KvCacheDtype)}. */
    default KvCache allocateKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim) {
        return allocateKvCache(numLayers, numBlocks, blockSize, numKvHeads, headDim, KvCacheDtype.AUTO);
    }

    /**
     * A zeroed paged KV cache of {@code numBlocks} blocks per layer whose elements are {@code dtype}; the RoPE/KV write
     * and the attention of this backend read and write it in that type.
     */
    KvCache allocateKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim,
                            KvCacheDtype dtype);

    /**
     * Bytes this backend could still give the KV cache: free device memory for a GPU, free Java heap for the CPU
     * backend (which keeps the cache there). Asked once weights and activations are in place.
     */
    long availableMemory();

    // ---- ops ----

    /**
     * Called once per step, before the ops that read {@code batch}: a device backend copies the step's metadata
     * (token ids, positions, slots, block tables) to the device here, in one transfer. When the batch's
     * {@link ForwardBatch#sampledTokenRows} is positive, those rows' token ids are the tokens the latest
     * {@link #sampleAsync} chose for its first rows, which the host may not have read yet: a device backend feeds them
     * on the device, without a round trip.
     */
    void prepare(ForwardBatch batch);

    /**
     * Runs the ops that {@code ops} enqueues for one step (everything after {@link #prepare}). A device backend may
     * record them the first times it sees {@code shape} and from then on replay the recording instead of calling
     * {@code ops} (CUDA graphs), so the ops must depend on the step only through its shape and the metadata that
     * {@code prepare} uploaded. The default runs them.
     */
    default void runStep(StepShape shape, Runnable ops) {
        ops.run();
    }

    /**
     * Copies whole blocks, every layer's keys and values: block {@code sources[i]} → {@code destinations[i]}
     * (copy-on-write of a shared partial block before a forked sequence writes into it).
     */
    void copyKvBlocks(KvCache cache, int[] sources, int[] destinations);

    /** out[t] = table[tokenIds[t]].  table: [V, H], out: [T, H] */
    void embedding(Tensor table, ForwardBatch batch, Tensor out);

    /** out[r] = x[r] / rms(x[r]) * weight.  x, out: [rows, H], weight: [H] */
    void rmsNorm(Tensor x, Tensor weight, float eps, int rows, Tensor out);

    /** residual[r] += delta[r]; out[r] = rmsNorm(residual[r]) * weight (the pre-norm residual stream, fused). */
    void addRmsNorm(Tensor residual, Tensor delta, Tensor weight, float eps, int rows, Tensor out);

    /** out[r] = x[r] W^T + b.  x: [rows, in], out: [rows, out] */
    void linear(Tensor x, LinearWeights weights, int rows, Tensor out);

    /** RMS norm of every query head and key head in place (Qwen3's QK-norm).  qkv: [T, Q + 2 KV], weights: [headDim] */
    void qkNorm(Tensor qkv, Tensor qWeight, Tensor kWeight, float eps, AttentionShape shape, int rows);

    /**
     * Rotates the queries and keys of every token by its position (rotate-half convention) in place, then writes
     * its key and value into the cache at its slot.
     *
     * @param ropeTable [maxPositions, headDim]: cos in columns [0, headDim/2), sin in [headDim/2, headDim)
     */
    void ropeAndWriteKv(Tensor qkv, Tensor ropeTable, AttentionShape shape, KvCache cache, int layer,
                        ForwardBatch batch);

    /**
     * Causal attention of every token's query over its sequence's cached keys and values (which include this step's
     * own, already written), for a mixed batch of prefills, prefill chunks and decodes.  out: [T, Q]
     */
    void attention(Tensor qkv, KvCache cache, int layer, AttentionShape shape, ForwardBatch batch, Tensor out);

    /** out[r] = silu(gate[r]) * up[r] where gateUp[r] = [gate: I | up: I].  gateUp: [rows, 2I], out: [rows, I] */
    void siluMul(Tensor gateUp, int rows, Tensor out);

    /** out[i] = x[logitsIndices[i]] for the step's logits rows.  x: [T, H], out: [numLogits, H] */
    void gatherLogitsRows(Tensor x, ForwardBatch batch, Tensor out);

    /**
     * Chooses one token per row of {@code batch} from the logits row it names, and writes the tokens (and the log
     * probabilities the rows ask for) into {@code out}, where the host can read them when this returns. The logits are
     * not modified. {@link ai.jllm.sampling.HostSampling} defines the result: penalties → masks → temperature →
     * top-k → top-p → min-p → one Philox draw per row (argmax when greedy); every backend must choose the same tokens
     * for the same logits, up to floating-point ties.
     *
     * @param logits [numLogits, V] float32, as {@code DecoderModel.forward} returns it
     */
    void sample(Tensor logits, SamplingBatch batch, SampleOutput out);

    /**
     * The device time of the latest step whose sampled tokens have been read, when this backend times its steps
     * (the CUDA backend, once asked to); empty otherwise.
     */
    default Optional<DeviceStepTime> lastStepDeviceTime() {
        return Optional.empty();
    }

    /**
     * {@link #sample}, asynchronously: enqueues the sampling and returns; the tokens are in {@code out} once
     * {@link #awaitSamples} with the same {@code out} returns. {@code batch} must stay unchanged until then. At most
     * two samplings may be pending, each with its own {@code out}. The default samples at once.
     */
    default void sampleAsync(Tensor logits, SamplingBatch batch, SampleOutput out) {
        sample(logits, batch, out);
    }

    /** Waits for the pending {@link #sampleAsync} into {@code out} and fills {@code out}. */
    default void awaitSamples(SampleOutput out) {}

    /** Copies the first {@code rows} rows of a float tensor to the host. */
    void copyToHost(Tensor source, int rows, float[] destination);

    @Override
    void close();
}
