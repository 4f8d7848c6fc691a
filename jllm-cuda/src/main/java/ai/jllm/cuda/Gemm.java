package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.jllm.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Linear layers through cuBLASLt: y = x W^T (+ b) with bf16 operands, float32 accumulation and a bf16 or float32
 * output. Row-major y [rows, out] is column-major y^T [out, rows] = W [out, in] · x^T [in, rows], so W (row-major
 * [out, in], i.e. column-major [in, out]) goes in as A with TRANSA = T and x as B untransposed; the bias epilogue adds
 * b along D's rows, which are the output features.
 *
 * <p>A plan (three layouts and the heuristic's best algorithm) is made once per problem shape and kept.
 */
final class Gemm implements AutoCloseable {

    static final long WORKSPACE_BYTES = 32L << 20;

    private record Shape(int out, int in, int rows, DType outType, boolean bias) {}

    private record Plan(long a, long b, long d, MemorySegment algo) {}

    private final CublasLt lt;
    private final CudaDriver driver;
    private final long stream;
    private final Arena arena;
    private final long handle;
    private final long workspace;
    private final long preference;
    private final long plain;
    private final long biased;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final MemorySegment biasPointer;
    private final Map<Shape, Plan> plans = new HashMap<>();

    Gemm(CudaDriver driver, CublasLt lt, long stream, Arena arena) {
        this.driver = driver;
        this.lt = lt;
        this.stream = stream;
        this.arena = arena;
        this.handle = lt.create();
        this.workspace = driver.memAlloc(WORKSPACE_BYTES);
        this.preference = lt.preferenceCreate(WORKSPACE_BYTES);
        this.plain = descriptor(CublasLt.CUBLASLT_EPILOGUE_DEFAULT);
        this.biased = descriptor(CublasLt.CUBLASLT_EPILOGUE_BIAS);
        this.one = arena.allocateFrom(JAVA_FLOAT, 1f);
        this.zero = arena.allocateFrom(JAVA_FLOAT, 0f);
        this.biasPointer = arena.allocate(JAVA_LONG);
    }

    private long descriptor(int epilogue) {
        long descriptor = lt.matmulDescCreate(CublasLt.CUBLAS_COMPUTE_32F, CublasLt.CUDA_R_32F);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_TRANSA, CublasLt.CUBLAS_OP_T);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_TRANSB, CublasLt.CUBLAS_OP_N);
        lt.matmulDescSetInt(descriptor, CublasLt.CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue);
        return descriptor;
    }

    /** out[r] = x[r] W^T + b for r < rows.  x: [rows, in] bf16, out: [rows, out] bf16 or f32 */
    void run(CudaLinear weights, long x, int rows, long out, DType outType) {
        if (rows == 0) {
            return;
        }
        long descriptor = plain;
        if (weights.bias().isPresent()) {
            if (outType != DType.BF16) {
                throw new IllegalArgumentException("a linear layer with a bias writes bf16, not " + outType);
            }
            descriptor = biased;
            biasPointer.set(JAVA_LONG, 0, weights.bias().getAsLong());
            lt.matmulDescSetPointer(biased, CublasLt.CUBLASLT_MATMUL_DESC_BIAS_POINTER, biasPointer);
        }
        Shape shape = new Shape(weights.outFeatures(), weights.inFeatures(), rows, outType, weights.hasBias());
        Plan plan = plans.get(shape);
        if (plan == null) {
            plan = plan(shape, descriptor);
            plans.put(shape, plan);
        }
        lt.matmul(handle, descriptor, one, weights.weight(), plan.a(), x, plan.b(), zero, out, plan.d(), out, plan.d(),
                plan.algo(), workspace, WORKSPACE_BYTES, stream);
    }

    private Plan plan(Shape shape, long descriptor) {
        int outType = shape.outType() == DType.F32 ? CublasLt.CUDA_R_32F : CublasLt.CUDA_R_16BF;
        long a = lt.matrixLayoutCreate(CublasLt.CUDA_R_16BF, shape.in(), shape.out(), shape.in());
        long b = lt.matrixLayoutCreate(CublasLt.CUDA_R_16BF, shape.in(), shape.rows(), shape.in());
        long d = lt.matrixLayoutCreate(outType, shape.out(), shape.rows(), shape.out());
        MemorySegment algo = arena.allocate(CublasLt.ALGO_BYTES, 8);
        if (!lt.bestAlgorithm(handle, descriptor, a, b, d, d, preference, algo)) {
            throw new CudaException("cuBLASLt has no algorithm for a bf16 matmul of [" + shape.rows() + ", "
                    + shape.in() + "] x [" + shape.in() + ", " + shape.out() + "] -> " + shape.outType());
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
        lt.matmulDescDestroy(plain);
        lt.matmulDescDestroy(biased);
        lt.preferenceDestroy(preference);
        lt.destroy(handle);
        driver.memFree(workspace);
    }
}
