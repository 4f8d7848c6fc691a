package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * cuBLASLt, bound by hand: handles, matmul descriptors, matrix layouts, algorithm heuristics and the matmul itself.
 * Descriptors and layouts are carried as {@code long} handles. Every call is checked; a failure names the call and
 * {@code cublasLtGetStatusName}/{@code cublasLtGetStatusString}.
 */
final class CublasLt {

    static final NativeLibrary LIBRARY = new NativeLibrary("libcublasLt",
            List.of("libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"));

    // cudaDataType_t
    static final int CUDA_R_32F = 0;
    static final int CUDA_R_16BF = 14;
    static final int CUDA_R_8F_E4M3 = 28;
    // cublasComputeType_t
    static final int CUBLAS_COMPUTE_32F = 68;
    // cublasOperation_t
    static final int CUBLAS_OP_N = 0;
    static final int CUBLAS_OP_T = 1;
    // cublasLtMatmulDescAttributes_t
    static final int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    static final int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    static final int CUBLASLT_MATMUL_DESC_EPILOGUE = 7;
    static final int CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8;
    // cublasLtEpilogue_t
    static final int CUBLASLT_EPILOGUE_DEFAULT = 1;
    static final int CUBLASLT_EPILOGUE_BIAS = 4;
    // cublasLtMatmulPreferenceAttributes_t
    static final int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;

    /** sizeof(cublasLtMatmulAlgo_t): uint64_t data[8]. */
    static final long ALGO_BYTES = 64;
    /** sizeof(cublasLtMatmulHeuristicResult_t): algo, size_t workspaceSize, int state, float wavesCount, int[4]. */
    static final long HEURISTIC_RESULT_BYTES = 96;
    static final long HEURISTIC_STATE_OFFSET = 72;

    private final MethodHandle getStatusName;
    private final MethodHandle getStatusString;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle matmulDescCreate;
    private final MethodHandle matmulDescDestroy;
    private final MethodHandle matmulDescSetAttribute;
    private final MethodHandle matrixLayoutCreate;
    private final MethodHandle matrixLayoutDestroy;
    private final MethodHandle preferenceCreate;
    private final MethodHandle preferenceSetAttribute;
    private final MethodHandle preferenceDestroy;
    private final MethodHandle algoGetHeuristic;
    private final MethodHandle matmul;

    private CublasLt(Downcalls calls) {
        getStatusName = calls.string("cublasLtGetStatusName", JAVA_INT);
        getStatusString = calls.string("cublasLtGetStatusString", JAVA_INT);
        create = calls.status("cublasLtCreate", ADDRESS);
        destroy = calls.status("cublasLtDestroy", JAVA_LONG);
        matmulDescCreate = calls.status("cublasLtMatmulDescCreate", ADDRESS, JAVA_INT, JAVA_INT);
        matmulDescDestroy = calls.status("cublasLtMatmulDescDestroy", JAVA_LONG);
        matmulDescSetAttribute = calls.status("cublasLtMatmulDescSetAttribute", JAVA_LONG, JAVA_INT, ADDRESS,
                JAVA_LONG);
        matrixLayoutCreate = calls.status("cublasLtMatrixLayoutCreate", ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG,
                JAVA_LONG);
        matrixLayoutDestroy = calls.status("cublasLtMatrixLayoutDestroy", JAVA_LONG);
        preferenceCreate = calls.status("cublasLtMatmulPreferenceCreate", ADDRESS);
        preferenceSetAttribute = calls.status("cublasLtMatmulPreferenceSetAttribute", JAVA_LONG, JAVA_INT, ADDRESS,
                JAVA_LONG);
        preferenceDestroy = calls.status("cublasLtMatmulPreferenceDestroy", JAVA_LONG);
        algoGetHeuristic = calls.status("cublasLtMatmulAlgoGetHeuristic", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        matmul = calls.status("cublasLtMatmul", JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG,
                JAVA_LONG);
    }

    /** @throws CudaException when the library is missing; the message says where it was looked for */
    static CublasLt load(Arena arena) {
        return switch (LIBRARY.open(arena, System.getenv())) {
            case NativeLibrary.Lookup.Missing missing -> throw new CudaException("no cuBLASLt: " + missing.reason());
            case NativeLibrary.Lookup.Found found -> new CublasLt(new Downcalls(found.symbols(), "libcublasLt"));
        };
    }

    void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, text(getStatusName, status), text(getStatusString, status));
        }
    }

    private static String text(MethodHandle lookup, int status) {
        try {
            return Downcalls.cString((MemorySegment) lookup.invokeExact(status));
        } catch (Throwable thrown) {
            return "";
        }
    }

    long create() {
        return handleOut("cublasLtCreate", out -> (int) create.invokeExact(out));
    }

    void destroy(long handle) {
        call("cublasLtDestroy", destroy, handle);
    }

    long matmulDescCreate(int computeType, int scaleType) {
        return handleOut("cublasLtMatmulDescCreate",
                out -> (int) matmulDescCreate.invokeExact(out, computeType, scaleType));
    }

    void matmulDescDestroy(long descriptor) {
        call("cublasLtMatmulDescDestroy", matmulDescDestroy, descriptor);
    }

    void matmulDescSetInt(long descriptor, int attribute, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocateFrom(JAVA_INT, value);
            check("cublasLtMatmulDescSetAttribute(" + attribute + ")",
                    (int) matmulDescSetAttribute.invokeExact(descriptor, attribute, buffer, 4L));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** Sets a pointer-valued attribute from a buffer the caller keeps (no allocation: called per matmul). */
    void matmulDescSetPointer(long descriptor, int attribute, MemorySegment eightBytes) {
        try {
            check("cublasLtMatmulDescSetAttribute(" + attribute + ")",
                    (int) matmulDescSetAttribute.invokeExact(descriptor, attribute, eightBytes, 8L));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** A column-major layout of {@code rows x columns} elements with leading dimension {@code leading}. */
    long matrixLayoutCreate(int type, long rows, long columns, long leading) {
        return handleOut("cublasLtMatrixLayoutCreate",
                out -> (int) matrixLayoutCreate.invokeExact(out, type, rows, columns, leading));
    }

    void matrixLayoutDestroy(long layout) {
        call("cublasLtMatrixLayoutDestroy", matrixLayoutDestroy, layout);
    }

    long preferenceCreate(long maxWorkspaceBytes) {
        long preference = handleOut("cublasLtMatmulPreferenceCreate", out -> (int) preferenceCreate.invokeExact(out));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocateFrom(JAVA_LONG, maxWorkspaceBytes);
            check("cublasLtMatmulPreferenceSetAttribute", (int) preferenceSetAttribute.invokeExact(preference,
                    CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, buffer, 8L));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
        return preference;
    }

    void preferenceDestroy(long preference) {
        call("cublasLtMatmulPreferenceDestroy", preferenceDestroy, preference);
    }

    /**
     * The best algorithm the heuristic offers for this problem, copied into {@code algo} (64 bytes).
     *
     * @return false when cuBLASLt has no algorithm for it
     */
    boolean bestAlgorithm(long handle, long descriptor, long a, long b, long c, long d, long preference,
                          MemorySegment algo) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment result = arena.allocate(HEURISTIC_RESULT_BYTES, 8);
            MemorySegment returned = arena.allocate(JAVA_INT);
            check("cublasLtMatmulAlgoGetHeuristic", (int) algoGetHeuristic.invokeExact(handle, descriptor, a, b, c, d,
                    preference, 1, result, returned));
            if (returned.get(JAVA_INT, 0) < 1 || result.get(JAVA_INT, HEURISTIC_STATE_OFFSET) != 0) {
                return false;
            }
            MemorySegment.copy(result, 0, algo, 0, ALGO_BYTES);
            return true;
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** D = alpha * op(A) op(B) + beta * C, enqueued on {@code stream}; alpha and beta are host floats. */
    void matmul(long handle, long descriptor, MemorySegment alpha, long a, long aLayout, long b, long bLayout,
                MemorySegment beta, long c, long cLayout, long d, long dLayout, MemorySegment algo, long workspace,
                long workspaceBytes, long stream) {
        try {
            int status = (int) matmul.invokeExact(handle, descriptor, alpha, a, aLayout, b, bLayout, beta, c, cLayout,
                    d, dLayout, algo, workspace, workspaceBytes, stream);
            if (status != 0) {
                check("cublasLtMatmul", status);
            }
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    private interface OutCall {
        int invoke(MemorySegment out) throws Throwable;
    }

    private long handleOut(String name, OutCall call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check(name, call.invoke(out));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    private void call(String name, MethodHandle handle, long argument) {
        try {
            check(name, (int) handle.invokeExact(argument));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }
}
