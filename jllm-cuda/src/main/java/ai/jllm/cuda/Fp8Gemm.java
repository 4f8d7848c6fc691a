package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * FP8 linear layers of prefill-sized batches (fp8.cu): the activations quantized per token into E4M3 codes and row
 * scales, the codes multiplied by cuBLASLt on FP8 tensor cores (float accumulation, bf16 result). cuBLASLt's FP8
 * products take only the "TN" layout, which is {@link Gemm}'s: W [out, in] row-major is A with TRANSA = T, the codes
 * x [rows, in] are B, untransposed; D = y^T [out, rows] column-major is y [rows, out] row-major.
 *
 * <p>The scales: with cuBLAS 12.9 or newer, cuBLASLt applies them itself ("outer vector" scaling: a float per row of
 * op(A), the output channels, and per column of op(B), the tokens) and adds the bias in its epilogue, so the product
 * is one kernel. Where the library refuses that mode (older versions, or no algorithm for a shape), the plan falls
 * back to an unscaled product and fp8_scale_rows multiplies the bf16 result by row scale × channel scale and adds the
 * bias, in place (the unscaled product fits bf16: |sum| ≤ 448² × in; rounding it first costs one more bf16 rounding).
 *
 * <p>A plan per shape is made once and kept, as in {@link Gemm}. The codes and scales live in workspaces that grow with
 * the largest product; when they move, {@code moved} runs (recorded decode steps captured the old addresses).
 */
final class Fp8Gemm implements AutoCloseable {

    private record Shape(int out, int in, int rows, boolean bias) {}

    /** @param descriptor the matmul descriptor the plan was made for; {@code scaledByCublas}: no epilogue kernel */
    private record Plan(long a, long b, long d, MemorySegment algo, long descriptor, boolean scaledByCublas) {}

    private final CublasLt lt;
    private final CudaDriver driver;
    private final Fp8Kernels kernels;
    private final long stream;
    private final Arena arena;
    private final long handle;
    private final long workspace;
    private final long preference;
    /** Unscaled codes product (the fallback, scaled by fp8_scale_rows). */
    private final long plain;
    /** Outer-vector scaled products, without and with the bias epilogue; absent when cuBLASLt refuses the mode. */
    private final long scaled;
    private final long scaledBiased;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final MemorySegment pointer;
    private final GrowingBuffer codes;
    private final GrowingBuffer rowScales;
    private final Runnable moved;
    private final Map<Shape, Plan> plans = new HashMap<>();

    /**
     * @param cublasScaling whether to ask cuBLASLt for outer-vector scaling at all (false: always the epilogue
     *                      kernel, which tests use to cover it)
     */
    Fp8Gemm(CudaDriver driver, CublasLt lt, Fp8Kernels kernels, long stream, Arena arena, Runnable moved,
            boolean cublasScaling) {
        this.driver = driver;
        this.lt = lt;
        this.kernels = kernels;
        this.stream = stream;
        this.arena = arena;
        this.moved = moved;
        this.handle = lt.create();
        this.workspace = driver.memAlloc(Gemm.WORKSPACE_BYTES);
        this.preference = lt.preferenceCreate(Gemm.WORKSPACE_BYTES);
        this.plain = descriptor(CublasLt.CUBLASLT_EPILOGUE_DEFAULT);
        long scaledDescriptor = 0;
        long scaledBiasedDescriptor = 0;
        if (cublasScaling) {
            scaledDescriptor = outerVectorScaled(CublasLt.CUBLASLT_EPILOGUE_DEFAULT);
            scaledBiasedDescriptor = outerVectorScaled(CublasLt.CUBLASLT_EPILOGUE_BIAS);
        }
        this.scaled = scaledDescriptor;
        this.scaledBiased = scaledBiasedDescriptor;
        this.one = arena.allocateFrom(JAVA_FLOAT, 1f);
        this.zero = arena.allocateFrom(JAVA_FLOAT, 0f);
        this.pointer = arena.allocate(JAVA_LONG);
        this.codes = new GrowingBuffer(driver, stream);
        this.rowScales = new GrowingBuffer(driver, stream);
    }

    private long descriptor(int epilogue) {
        long descriptor = lt.matmulDescCreate(CublasLt.CUBLAS_COMPUTE_32F, CublasLt.CUDA_R_32F);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_TRANSA, CublasLt.CUBLAS_OP_T);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_TRANSB, CublasLt.CUBLAS_OP_N);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue);
        return descriptor;
    }

    /** A descriptor with both scale modes set to outer vectors, or 0 when this cuBLASLt does not know the mode. */
    private long outerVectorScaled(int epilogue) {
        long descriptor = descriptor(epilogue);
        if (lt.trySetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_A_SCALE_MODE,
                CublasLt.CUBLASLT_MATMUL_MATRIX_SCALE_OUTER_VEC_32F)
                && lt.trySetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_B_SCALE_MODE,
                CublasLt.CUBLASLT_MATMUL_MATRIX_SCALE_OUTER_VEC_32F)) {
            return descriptor;
        }
        lt.matmulDescDestroy(descriptor);
        return 0;
    }

    /** out[r] = x[r] (W * scales)^T + b for r < rows.  x: [rows, in] bf16, out: [rows, out] bf16 */
    void run(CudaFp8Linear weights, long x, int rows, long out) {
        if (rows == 0) {
            return;
        }
        int in = weights.inFeatures();
        boolean grew = codes.ensure((long) rows * in);
        grew |= rowScales.ensure((long) rows * Float.BYTES);
        if (grew) {
            moved.run();
        }
        kernels.quantizeRows(x, in, codes.pointer(), rowScales.pointer(), rows);
        Shape shape = new Shape(weights.outFeatures(), in, rows, weights.hasBias());
        Plan plan = plans.get(shape);
        if (plan == null) {
            plan = plan(shape);
            plans.put(shape, plan);
        }
        if (plan.scaledByCublas()) {
            set(plan.descriptor(), CublasLt.CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, weights.scales());
            set(plan.descriptor(), CublasLt.CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, rowScales.pointer());
            if (weights.hasBias()) {
                set(plan.descriptor(), CublasLt.CUBLASLT_MATMUL_DESC_BIAS_POINTER, weights.bias().getAsLong());
            }
        }
        try {
            matmul(plan, weights, out);
        } catch (CudaException refused) {
            if (!plan.scaledByCublas()) {
                throw refused;
            }
            // The heuristic offered an algorithm the matmul then refused (cuBLASLt checks some scale-mode limits only
            // there): this shape takes the unscaled product and the epilogue kernel from now on.
            plan = unscaledPlan(shape, plan);
            plans.put(shape, plan);
            matmul(plan, weights, out);
        }
        if (!plan.scaledByCublas()) {
            kernels.scaleRows(out, rows, weights.outFeatures(), rowScales.pointer(), weights.scales(),
                    weights.bias().orElse(0));
        }
    }

    private void matmul(Plan plan, CudaFp8Linear weights, long out) {
        lt.matmul(handle, plan.descriptor(), one, weights.weight(), plan.a(), codes.pointer(), plan.b(), zero, out,
                plan.d(), out, plan.d(), plan.algo(), workspace, Gemm.WORKSPACE_BYTES, stream);
    }

    /** Whether a product of this shape is scaled inside cuBLASLt (tests report which path they covered). */
    boolean scaledByCublas(int out, int in, int rows, boolean bias) {
        Plan plan = plans.get(new Shape(out, in, rows, bias));
        return plan != null && plan.scaledByCublas();
    }

    private void set(long descriptor, int attribute, long devicePointer) {
        pointer.set(JAVA_LONG, 0, devicePointer);
        lt.matmulDescSetPointer(descriptor, attribute, pointer);
    }

    /** The outer-vector scaled plan when cuBLASLt has an algorithm for it, else the unscaled one. */
    private Plan plan(Shape shape) {
        long a = lt.matrixLayoutCreate(CublasLt.CUDA_R_8F_E4M3, shape.in(), shape.out(), shape.in());
        long b = lt.matrixLayoutCreate(CublasLt.CUDA_R_8F_E4M3, shape.in(), shape.rows(), shape.in());
        long d = lt.matrixLayoutCreate(CublasLt.CUDA_R_16BF, shape.out(), shape.rows(), shape.out());
        MemorySegment algo = arena.allocate(CublasLt.ALGO_BYTES, 8);
        long vector = shape.bias() ? scaledBiased : scaled;
        if (vector != 0 && lt.bestAlgorithm(handle, vector, a, b, d, d, preference, algo)) {
            return new Plan(a, b, d, algo, vector, true);
        }
        return unscaledPlan(shape, new Plan(a, b, d, algo, plain, false));
    }

    /** {@code layouts}' layouts with the unscaled descriptor's best algorithm. */
    private Plan unscaledPlan(Shape shape, Plan layouts) {
        if (!lt.bestAlgorithm(handle, plain, layouts.a(), layouts.b(), layouts.d(), layouts.d(), preference,
                layouts.algo())) {
            lt.matrixLayoutDestroy(layouts.a());
            lt.matrixLayoutDestroy(layouts.b());
            lt.matrixLayoutDestroy(layouts.d());
            throw new CudaException("cuBLASLt has no algorithm for an fp8 matmul of [" + shape.rows() + ", "
                    + shape.in() + "] x [" + shape.in() + ", " + shape.out() + "] -> bf16");
        }
        return new Plan(layouts.a(), layouts.b(), layouts.d(), layouts.algo(), plain, false);
    }

    @Override
    public void close() {
        for (Plan plan : plans.values()) {
            lt.matrixLayoutDestroy(plan.a());
            lt.matrixLayoutDestroy(plan.b());
            lt.matrixLayoutDestroy(plan.d());
        }
        plans.clear();
        codes.close();
        rowScales.close();
        lt.matmulDescDestroy(plain);
        if (scaled != 0) {
            lt.matmulDescDestroy(scaled);
        }
        if (scaledBiased != 0) {
            lt.matmulDescDestroy(scaledBiased);
        }
        lt.preferenceDestroy(preference);
        lt.destroy(handle);
        driver.memFree(workspace);
    }
}
