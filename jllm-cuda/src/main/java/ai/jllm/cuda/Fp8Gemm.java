package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * FP8 linear layers of prefill-sized batches (fp8.cu): the activations quantized per token into E4M3 codes and row
 * scales, the codes multiplied by cuBLASLt on FP8 tensor cores (float accumulation, bf16 result), the result scaled in
 * place by row scale × channel scale, plus the bias. cuBLASLt's FP8 products take only the "TN" layout, which is
 * {@link Gemm}'s: W [out, in] row-major is A with TRANSA = T, the codes x [rows, in] are B, untransposed; D = y^T
 * [out, rows] column-major is y [rows, out] row-major. The unscaled product fits bf16 (|sum| ≤ 448² × in); rounding
 * it before scaling costs one more bf16 rounding. cuBLASLt's own per-row × per-column ("outer vector") scaling would
 * save the epilogue kernel, but the cuBLASLt of CUDA 13.0 on an H200 refuses it for this problem (the heuristic
 * answers CUBLAS_STATUS_INVALID_VALUE; tried 2026-11-22), so the scales are applied by fp8_scale_rows.
 *
 * <p>A plan per shape is made once and kept, as in {@link Gemm}. The codes and scales live in workspaces that grow with
 * the largest product; when they move, {@code moved} runs (recorded decode steps captured the old addresses).
 */
final class Fp8Gemm implements AutoCloseable {

    private record Shape(int out, int in, int rows) {}

    private record Plan(long a, long b, long d, MemorySegment algo) {}

    private final CublasLt lt;
    private final CudaDriver driver;
    private final Fp8Kernels kernels;
    private final long stream;
    private final Arena arena;
    private final long handle;
    private final long workspace;
    private final long preference;
    private final long descriptor;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final GrowingBuffer codes;
    private final GrowingBuffer rowScales;
    private final Runnable moved;
    private final Map<Shape, Plan> plans = new HashMap<>();

    Fp8Gemm(CudaDriver driver, CublasLt lt, Fp8Kernels kernels, long stream, Arena arena, Runnable moved) {
        this.driver = driver;
        this.lt = lt;
        this.kernels = kernels;
        this.stream = stream;
        this.arena = arena;
        this.moved = moved;
        this.handle = lt.create();
        this.workspace = driver.memAlloc(Gemm.WORKSPACE_BYTES);
        this.preference = lt.preferenceCreate(Gemm.WORKSPACE_BYTES);
        this.descriptor = lt.matmulDescCreate(CublasLt.CUBLAS_COMPUTE_32F, CublasLt.CUDA_R_32F);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_TRANSA, CublasLt.CUBLAS_OP_T);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_TRANSB, CublasLt.CUBLAS_OP_N);
        this.one = arena.allocateFrom(JAVA_FLOAT, 1f);
        this.zero = arena.allocateFrom(JAVA_FLOAT, 0f);
        this.codes = new GrowingBuffer(driver, stream);
        this.rowScales = new GrowingBuffer(driver, stream);
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
        Shape shape = new Shape(weights.outFeatures(), in, rows);
        Plan plan = plans.get(shape);
        if (plan == null) {
            plan = plan(shape);
            plans.put(shape, plan);
        }
        lt.matmul(handle, descriptor, one, weights.weight(), plan.a(), codes.pointer(), plan.b(), zero, out, plan.d(),
                out, plan.d(), plan.algo(), workspace, Gemm.WORKSPACE_BYTES, stream);
        kernels.scaleRows(out, rows, weights.outFeatures(), rowScales.pointer(), weights.scales(),
                weights.bias().orElse(0));
    }

    private Plan plan(Shape shape) {
        long a = lt.matrixLayoutCreate(CublasLt.CUDA_R_8F_E4M3, shape.in(), shape.out(), shape.in());
        long b = lt.matrixLayoutCreate(CublasLt.CUDA_R_8F_E4M3, shape.in(), shape.rows(), shape.in());
        long d = lt.matrixLayoutCreate(CublasLt.CUDA_R_16BF, shape.out(), shape.rows(), shape.out());
        MemorySegment algo = arena.allocate(CublasLt.ALGO_BYTES, 8);
        if (!lt.bestAlgorithm(handle, descriptor, a, b, d, d, preference, algo)) {
            lt.matrixLayoutDestroy(a);
            lt.matrixLayoutDestroy(b);
            lt.matrixLayoutDestroy(d);
            throw new CudaException("cuBLASLt has no algorithm for an fp8 matmul of [" + shape.rows() + ", "
                    + shape.in() + "] x [" + shape.in() + ", " + shape.out() + "] -> bf16");
        }
        return new Plan(a, b, d, algo);
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
        lt.matmulDescDestroy(descriptor);
        lt.preferenceDestroy(preference);
        lt.destroy(handle);
        driver.memFree(workspace);
    }
}
