package ai.jllm.cuda;

import ai.jllm.backend.LinearWeights;
import ai.jllm.tensor.DType;

/**
 * Runs the ops of decode-sized steps (at most {@link Kernels#GEMV_MAX_ROWS} rows) as few kernels: the element-wise ops
 * between the matrix products go into the products' GEMV kernels (gemv.cu), so that a decoder layer is five kernels
 * — [norm → qkv → rope + cache write], attention, [o → residual add], [norm → gate/up → SwiGLU], [down → residual
 * add] — instead of eleven.
 *
 * <p>The backend's ops arrive one at a time, so the op a later one may absorb is held back: a norm (the next linear
 * layer that reads its output takes it as its prologue) or a linear layer (the next op may take its output on the
 * way out: the residual add, SwiGLU, or rope with the cache write). Every other op first launches what is held
 * ({@link #flush}); so does the end of a step. The fused kernels still write every tensor the separate ops would have
 * written, rounded the same way, so fusion changes no result beyond the order of float sums. Quantized weights
 * ({@link CudaQuantizedLinear}) take the same path through quant_gemv.cu's kernels, which share gemv.cu's prologues
 * and epilogues; so do FP8 weights ({@link CudaFp8Linear}) through fp8.cu's.
 */
final class DecodeFusion {

    /** An op held back until the next op shows whether it can absorb it. */
    private sealed interface Held permits HeldNorm, HeldLinear {}

    /** out = rmsNorm(x) * weight.  x, out: [rows, width] bf16 */
    private record HeldNorm(long x, long weight, float eps, int width, long out, int rows) implements Held {}

    /** out = prologue(x) W^T (+ b).  out: [rows, n]; weights: dense, weight-only quantized or FP8 */
    private record HeldLinear(GemvPrologue prologue, LinearWeights weights, int rows, long out, DType outType)
            implements Held {}

    private final Kernels kernels;
    private final QuantGemv quantGemv;
    private final Fp8Kernels fp8Kernels;
    /** What is held back; null when nothing is. */
    private Held held;

    DecodeFusion(Kernels kernels, QuantGemv quantGemv, Fp8Kernels fp8Kernels) {
        this.kernels = kernels;
        this.quantGemv = quantGemv;
        this.fp8Kernels = fp8Kernels;
    }

    /** out = rmsNorm(x) * weight: held for a decode-sized batch, else launched.  x, out: [rows, width] bf16 */
    void rmsNorm(long x, long weight, float eps, int width, long out, int rows) {
        flush();
        if (Kernels.gemvFits(width, rows)) {
            held = new HeldNorm(x, weight, eps, width, out, rows);
        } else {
            kernels.rmsNorm(x, weight, eps, width, out, rows);
        }
    }

    /**
     * out = x W^T (+ b) held as a decode GEMV, taking a held norm whose output is x as its prologue.
     *
     * @return false when the product is not decode-sized: nothing is held then and the caller runs it
     */
    boolean linear(long x, LinearWeights weights, int rows, long out, DType outType) {
        if (!fits(weights, rows, outType)) {
            flush();
            return false;
        }
        GemvPrologue prologue;
        if (held instanceof HeldNorm norm && norm.out() == x && norm.rows() == rows) {
            prologue = new GemvPrologue.Norm(norm.x(), norm.weight(), norm.eps(), norm.out());
            held = null;
        } else {
            flush();
            prologue = new GemvPrologue.Copy(x);
        }
        held = new HeldLinear(prologue, weights, rows, out, outType);
        return true;
    }

    /**
     * residual += delta, when delta is the held linear layer's output: launched as its epilogue.
     *
     * @return false when it is not (what was held is launched; the caller adds)
     */
    boolean addIntoResidual(long delta, long residual, int rows) {
        if (held instanceof HeldLinear linear && absorbs(linear, delta, rows)
                && !linear.prologue().reads(residual)) {
            held = null;
            gemv(linear.weights(), rows, linear.prologue(), new GemvEpilogue.AddResidual(delta, residual));
            return true;
        }
        flush();
        return false;
    }

    /**
     * activated = silu(gate) * up of gateUp, when gateUp is the held linear layer's output: launched as its epilogue.
     *
     * @return false when it is not (what was held is launched; the caller runs the op)
     */
    boolean siluMul(long gateUp, long activated, int rows) {
        if (held instanceof HeldLinear linear && absorbs(linear, gateUp, rows)
                && !linear.prologue().reads(activated)) {
            held = null;
            gemv(linear.weights(), rows, linear.prologue(), new GemvEpilogue.SiluMul(gateUp, activated));
            return true;
        }
        flush();
        return false;
    }

    /**
     * Rope and the cache write, when the qkv rows are the held linear layer's output: launched as its epilogue.
     *
     * @return false when they are not (what was held is launched; the caller runs the op)
     */
    boolean rope(GemvEpilogue.Rope rope, int rows) {
        if (held instanceof HeldLinear linear && absorbs(linear, rope.qkv(), rows)) {
            held = null;
            gemv(linear.weights(), rows, linear.prologue(), rope);
            return true;
        }
        flush();
        return false;
    }

    private static boolean fits(LinearWeights weights, int rows, DType outType) {
        return switch (weights) {
            case CudaLinear dense -> Kernels.gemvFits(dense.inFeatures(), rows);
            case CudaQuantizedLinear quantized -> QuantGemv.fits(quantized, rows);
            case CudaFp8Linear fp8 -> outType == DType.BF16 && Fp8Kernels.gemvFits(fp8.inFeatures(), rows);
            default -> throw new IllegalArgumentException("not CUDA linear weights: " + weights);
        };
    }

    /** Launches the GEMV kernel of the weights' type. */
    private void gemv(LinearWeights weights, int rows, GemvPrologue prologue, GemvEpilogue epilogue) {
        switch (weights) {
            case CudaLinear dense -> kernels.gemv(dense, rows, prologue, epilogue);
            case CudaQuantizedLinear quantized -> quantGemv.gemv(quantized, rows, prologue, epilogue);
            case CudaFp8Linear fp8 -> fp8Kernels.gemv(fp8, rows, prologue, epilogue);
            default -> throw new IllegalArgumentException("not CUDA linear weights: " + weights);
        }
    }

    private static boolean absorbs(HeldLinear linear, long output, int rows) {
        return linear.out() == output && linear.rows() == rows && linear.outType() == DType.BF16;
    }

    /** Launches what is held. */
    void flush() {
        Held launching = held;
        held = null;
        switch (launching) {
            case null -> { }
            case HeldNorm norm -> kernels.rmsNorm(norm.x(), norm.weight(), norm.eps(), norm.width(), norm.out(),
                    norm.rows());
            case HeldLinear linear -> gemv(linear.weights(), linear.rows(), linear.prologue(),
                    new GemvEpilogue.Store(linear.out(), linear.outType() == DType.F32));
        }
    }

    /** Forgets what is held without launching it (the backend is closing). */
    void discard() {
        held = null;
    }
}
