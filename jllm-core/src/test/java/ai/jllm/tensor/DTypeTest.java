package ai.jllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DType names and sizes against the safetensors format's dtype list and PyTorch's dtype names. */
class DTypeTest {

    /** The safetensors names with their element sizes in bytes, as the format specifies them. */
    private static final Map<String, Integer> SAFETENSORS_SIZES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1), Map.entry("I64", 8), Map.entry("I32", 4),
            Map.entry("I16", 2), Map.entry("I8", 1), Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2),
            Map.entry("U8", 1), Map.entry("BOOL", 1));

    @Test
    void safetensorsNamesAndSizes() {
        assertThat(DType.values()).hasSize(SAFETENSORS_SIZES.size());
        SAFETENSORS_SIZES.forEach((name, size) -> {
            DType type = DType.fromSafetensors(name);
            assertThat(type.safetensorsName()).isEqualTo(name);
            assertThat(type.byteSize()).as(name).isEqualTo(size);
        });
    }

    @Test
    void unknownSafetensorsNameIsNamed() {
        assertThatThrownBy(() -> DType.fromSafetensors("F8_E8M0"))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("unsupported safetensors dtype 'F8_E8M0' (supported: F64, F32, F16, BF16");
        assertThatThrownBy(() -> DType.fromSafetensors("f32")).hasMessageContaining("'f32'");
    }

    @Test
    void torchNames() {
        assertThat(DType.fromTorchDtype("bfloat16")).isEqualTo(DType.BF16);
        assertThat(DType.fromTorchDtype("torch.bfloat16")).isEqualTo(DType.BF16);
        assertThat(DType.fromTorchDtype("float16")).isEqualTo(DType.F16);
        assertThat(DType.fromTorchDtype("half")).isEqualTo(DType.F16);
        assertThat(DType.fromTorchDtype("float32")).isEqualTo(DType.F32);
        assertThat(DType.fromTorchDtype("torch.float")).isEqualTo(DType.F32);
        assertThat(DType.fromTorchDtype("float8_e4m3fn")).isEqualTo(DType.F8_E4M3);
        assertThat(DType.fromTorchDtype("int64")).isEqualTo(DType.I64);
        for (DType type : DType.values()) {
            assertThat(DType.fromTorchDtype(type.torchName())).isEqualTo(type);
            assertThat(DType.fromTorchDtype("torch." + type.torchName())).isEqualTo(type);
        }
        assertThatThrownBy(() -> DType.fromTorchDtype("auto"))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("unsupported torch dtype 'auto'");
    }

    @Test
    void floatingPointTypes() {
        assertThat(Arrays.stream(DType.values()).filter(DType::isFloatingPoint))
                .containsExactlyInAnyOrder(DType.F64, DType.F32, DType.F16, DType.BF16, DType.F8_E4M3, DType.F8_E5M2);
    }
}
