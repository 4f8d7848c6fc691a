package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import org.junit.jupiter.api.Test;

/** Error messages name the call and the library's error name and string, in one line; no GPU is needed. */
class CudaErrorsTest {

    @Test
    void messageNamesCallErrorNameAndDescription() {
        assertThat(new CudaException("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory").getMessage())
                .isEqualTo("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
        assertThat(new CudaException("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory").code())
                .isEqualTo(2);
    }

    @Test
    void missingNamesFallBackToTheCode() {
        assertThat(new CudaException("cublasLtMatmul", 7, "", "").getMessage())
                .isEqualTo("cublasLtMatmul failed: error 7");
        assertThat(new CudaException("nvrtcCompileProgram", 6, "NVRTC_ERROR_COMPILATION", "NVRTC_ERROR_COMPILATION")
                .getMessage()).isEqualTo("nvrtcCompileProgram failed: NVRTC_ERROR_COMPILATION");
    }

    @Test
    void cudaErrorsAreUserFacingJllmErrors() {
        assertThat(new CudaException("no CUDA driver")).isInstanceOf(JllmException.class);
    }

    /** On a machine without a GPU (CI) the backend says why in one line; on one with a GPU it names the GPU. */
    @Test
    void availabilityExplainsItselfInOneLine() {
        CudaAvailability availability = CudaBackend.availability();
        assertThat(availability.detail()).isNotBlank().doesNotContain("\n");
        if (availability.available()) {
            assertThat(availability.detail()).contains("sm_");
        } else {
            assertThatThrownBy(CudaBackend::create).isInstanceOf(JllmException.class)
                    .satisfies(e -> assertThat(e.getMessage()).isNotBlank().doesNotContain("\n"));
        }
    }
}
