package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.cuda.CudaBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** --backend: auto picks the GPU when one is usable and says which backend it took; cuda without one fails in a line. */
class BackendChoiceTest {

    @Test
    void parsesTheNamesUsersType() {
        assertThat(BackendChoice.parse("auto")).isEqualTo(BackendChoice.AUTO);
        assertThat(BackendChoice.parse("CUDA")).isEqualTo(BackendChoice.CUDA);
        assertThatThrownBy(() -> BackendChoice.parse("tpu")).isInstanceOf(JllmException.class)
                .hasMessageContaining("choose auto, cpu or cuda");
    }

    @Test
    void autoSaysWhichBackendItTook() {
        StringWriter said = new StringWriter();
        boolean gpu = CudaBackend.availability().available();
        try (Backend backend = BackendChoice.AUTO.create(1, new PrintWriter(said, true))) {
            assertThat(backend.name()).isEqualTo(gpu ? "cuda" : "cpu");
        }
        assertThat(said.toString().lines()).singleElement().satisfies(line -> assertThat(line)
                .startsWith(gpu ? "backend: CUDA: " : "backend: cpu (").doesNotContain("\tat "));
    }

    @Test
    void cudaWithoutAGpuFailsWithOneLine() {
        if (CudaBackend.availability().available()) {
            try (Backend backend = BackendChoice.CUDA.create(1, new PrintWriter(new StringWriter()))) {
                assertThat(backend.name()).isEqualTo("cuda");
            }
            return;
        }
        assertThatThrownBy(() -> BackendChoice.CUDA.create(1, new PrintWriter(new StringWriter())))
                .isInstanceOf(JllmException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("--backend cuda: ").doesNotContain("\n"));
    }
}
