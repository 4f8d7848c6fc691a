package ai.jllm.backend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A backend without quantized kernels (a new backend until it has them; the CPU and CUDA backends override the method)
 * refuses quantized weights with a one-line message naming itself and the scheme, through {@link Backend}'s default
 * method.
 */
class QuantizedLinearDefaultTest {

    private final Backend backend = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, (InvocationHandler) (proxy, method, args) -> {
                if (method.isDefault()) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                if (method.getName().equals("name")) {
                    return "example";
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void int8IsRefused() {
        QuantizedLinear.Int8 weight = new QuantizedLinear.Int8(view("w", DType.I8, 4, 2, 2),
                view("s", DType.F32, 8, 2));
        assertThatThrownBy(() -> backend.linear(weight, List.of()))
                .isInstanceOf(JllmException.class)
                .hasMessage("the example backend has no int8 weight-only kernels yet; run this model with --backend cpu, "
                        + "or build an engine with --quantization none");
    }

    @Test
    void int4IsRefused() {
        QuantizedLinear.Int4 weight = new QuantizedLinear.Int4(view("w", DType.U8, 32, 2, 16),
                view("s", DType.F32, 8, 2, 1), view("z", DType.U8, 2, 2, 1), 32, Optional.empty());
        assertThatThrownBy(() -> backend.linear(weight, List.of()))
                .isInstanceOf(JllmException.class).hasMessageStartingWith("the example backend has no int4");
    }

    private static TensorView view(String name, DType dtype, int bytes, long... shape) {
        return new TensorView(name, dtype, shape, MemorySegment.ofArray(new byte[bytes]), Path.of("test"));
    }
}
