package ai.jllm.weights;

import static ai.jllm.weights.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TensorViewTest {

    private static final Path FILE = Path.of("m", "model.safetensors");

    @Test
    void expectShapeNamesFileTensorAndBothShapes() {
        TensorView view = new TensorView("model.norm.weight", DType.U8, new long[] {2, 2}, bytes(1, 2, 3, 4), FILE);
        assertThat(view.expectShape(2, 2)).isSameAs(view);
        assertThatThrownBy(() -> view.expectShape(4))
                .isInstanceOf(JllmException.class)
                .hasMessage(FILE + ": tensor model.norm.weight has shape [2, 2], expected [4]");
    }

    @Test
    void expectDtype() {
        TensorView view = new TensorView("w", DType.I8, new long[] {1}, bytes(1), FILE);
        assertThat(view.expectDtype(DType.I8, DType.U8)).isSameAs(view);
        assertThatThrownBy(() -> view.expectDtype(DType.BF16, DType.F16))
                .isInstanceOf(JllmException.class)
                .hasMessage(FILE + ": tensor w has dtype I8, expected BF16 or F16");
    }

    @Test
    void decodesHalfPrecision() {
        // IEEE half: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 (max) = 0x7BFF, little-endian
        TensorView half = new TensorView("h", DType.F16, new long[] {4},
                bytes(0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B), FILE);
        assertThat(half.toFloatArray()).containsExactly(1f, -2f, 0.5f, 65504f);
        // bfloat16: -1.0 = 0xBF80, 1/3 rounded = 0x3EAB
        TensorView brain = new TensorView("b", DType.BF16, new long[] {2}, bytes(0x80, 0xBF, 0xAB, 0x3E), FILE);
        assertThat(brain.toFloatArray()).containsExactly(-1f, 0.333984375f);
        TensorView ints = new TensorView("i", DType.I8, new long[] {1}, bytes(1), FILE);
        assertThatThrownBy(ints::toFloatArray).hasMessageContaining("cannot be read as floats");
    }

    @Test
    void dataMustMatchTheShape() {
        assertThatThrownBy(() -> new TensorView("w", DType.F32, new long[] {2}, bytes(1, 2, 3, 4), FILE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shapeIsDefensivelyCopied() {
        long[] shape = {1, 4};
        TensorView view = new TensorView("w", DType.U8, shape, bytes(1, 2, 3, 4), FILE);
        shape[0] = 99;
        view.shape()[1] = 99;
        assertThat(view.shape()).containsExactly(1, 4);
        assertThat(view.rank()).isEqualTo(2);
        assertThat(view.dim(1)).isEqualTo(4);
        assertThat(view).isEqualTo(new TensorView("w", DType.U8, new long[] {1, 4}, view.data(), FILE));
    }
}
