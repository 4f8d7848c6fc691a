package ai.jllm.cuda;

import ai.jllm.JllmException;

/**
 * A failed call into the CUDA driver, cuBLASLt or NVRTC. The message names the call and the library's own name and
 * description of the error, e.g. {@code cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)}.
 */
public final class CudaException extends JllmException {

    private final int code;

    CudaException(String call, int code, String errorName, String errorDescription) {
        super(message(call, code, errorName, errorDescription));
        this.code = code;
    }

    CudaException(String message) {
        super(message);
        this.code = 0;
    }

    /** The library's status code (CUresult, cublasStatus_t or nvrtcResult); 0 when no call returned one. */
    public int code() {
        return code;
    }

    static String message(String call, int code, String errorName, String errorDescription) {
        String name = errorName == null || errorName.isBlank() ? "error " + code : errorName;
        String description = errorDescription == null || errorDescription.isBlank()
                || errorDescription.equals(errorName) ? "" : " (" + errorDescription + ")";
        return call + " failed: " + name + description;
    }
}
