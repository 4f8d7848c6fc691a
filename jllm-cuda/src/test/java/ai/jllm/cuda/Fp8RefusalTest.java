package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An fp8 engine on a GPU without FP8 tensor cores is refused in one line naming the GPU (no GPU needed). */
class Fp8RefusalTest {

    private static final QuantizedLinear.Fp8 WEIGHT = new QuantizedLinear.Fp8(
            new TensorView("layers.0.attn.qkv.weight", DType.F8_E4M3, new long[] {32, 16},
                    MemorySegment.ofArray(new byte[32 * 16]), Path.of("rank0.safetensors")),
            new TensorView("layers.0.attn.qkv.scales", DType.F32, new long[] {32},
                    MemorySegment.ofArray(new byte[32 * Float.BYTES]), Path.of("rank0.safetensors")));

    @Test
    void aGpuBelowSm89IsRefusedByNameAndComputeCapability() {
        CudaDevice ampere = new CudaDevice(0, 0, "NVIDIA A100-SXM4-80GB", 80, 108, 80L << 30, 13000);
        assertThatThrownBy(() -> CudaFp8Linear.upload(WEIGHT, List.of(), ampere, null, null))
                .isInstanceOf(JllmException.class)
                .hasMessage("fp8 runs on the CUDA backend only (Hopper/Ada, sm_89+); GPU 0 (NVIDIA A100-SXM4-80GB) "
                        + "has compute capability 8.0");
    }

    @Test
    void sizesTheFp8KernelsCannotTakeAreRefused() {
        CudaDevice hopper = new CudaDevice(0, 0, "NVIDIA H200", 90, 132, 140L << 30, 13000);
        QuantizedLinear.Fp8 narrow = new QuantizedLinear.Fp8(
                new TensorView("w", DType.F8_E4M3, new long[] {24, 16}, MemorySegment.ofArray(new byte[24 * 16]),
                        Path.of("rank0.safetensors")),
                new TensorView("s", DType.F32, new long[] {24}, MemorySegment.ofArray(new byte[24 * Float.BYTES]),
                        Path.of("rank0.safetensors")));
        assertThatThrownBy(() -> CudaFp8Linear.upload(narrow, List.of(), hopper, null, null))
                .isInstanceOf(JllmException.class)
                .hasMessage("fp8 projection w is [24, 16]: the CUDA FP8 kernels need both sizes to be multiples of 16");
    }
}
