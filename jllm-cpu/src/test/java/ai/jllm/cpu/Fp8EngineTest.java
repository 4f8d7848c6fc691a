package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import ai.jllm.tensor.Fp8E4m3;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.SafetensorsFile;
import ai.jllm.weights.TensorView;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jllm build --quantization fp8} on the CPU: the rank file holds E4M3 codes and one float32 scale per output
 * channel, each the row's largest magnitude over 448 with the codes the row divided by it and rounded (Fp8E4m3, checked
 * bit for bit); embedding and lm_head stay in the engine dtype; the engine loads, and the CPU backend refuses it in one
 * line.
 */
class Fp8EngineTest {

    @Test
    void anFp8EngineHoldsCodesAndScalesAndTheCpuBackendRefusesIt(@TempDir Path dir) {
        RandomModel shape = new RandomModel("LlamaForCausalLM", 300, 64, 128, 2, 4, 2, 16, false, DType.BF16, 1,
                List.of(2));
        Path source = shape.write(dir.resolve("hf"), 11);
        Path engineDir = dir.resolve("engine");
        EngineConfig engine = EngineBuilder.build(source, engineDir,
                BuildOptions.builder().quantization(QuantScheme.FP8).build(), BuildListener.NONE);
        assertThat(engine.quantization().scheme()).isEqualTo(QuantScheme.FP8);
        assertThat(EngineConfig.load(engineDir)).isEqualTo(engine);

        try (SafetensorsFile hf = SafetensorsFile.open(source.resolve("model.safetensors"));
             SafetensorsFile rank = SafetensorsFile.open(engineDir.resolve("rank0.safetensors"))) {
            TensorView codes = rank.tensor("layers.1.attn.qkv.weight").expectDtype(DType.F8_E4M3).expectShape(128, 64);
            float[] scales = rank.tensor("layers.1.attn.qkv.scales").expectDtype(DType.F32).expectShape(128)
                    .toFloatArray();
            // qkv rows are [q (64); k (32); v (32)]: row 70 is k_proj's row 6.
            expectRow(hf.tensor("model.layers.1.self_attn.q_proj.weight").toFloatArray(), 3, codes, scales, 3);
            expectRow(hf.tensor("model.layers.1.self_attn.k_proj.weight").toFloatArray(), 6, codes, scales, 70);
            TensorView down = rank.tensor("layers.0.ffn.down.weight").expectDtype(DType.F8_E4M3).expectShape(64, 128);
            float[] downScales = rank.tensor("layers.0.ffn.down.scales").expectShape(64).toFloatArray();
            float[] hfDown = hf.tensor("model.layers.0.mlp.down_proj.weight").toFloatArray();
            for (int row = 0; row < 64; row++) {
                expectRow(hfDown, row, down, downScales, row);
            }
            assertThat(rank.tensor("embedding.weight").dtype()).isEqualTo(DType.BF16);
            assertThat(rank.tensor("lm_head.weight").dtype()).isEqualTo(DType.BF16);
        }

        CpuBackend backend = new CpuBackend(1);
        try {
            assertThatThrownBy(() -> ModelLogits.of(backend, engineDir, new int[] {1, 2, 3}))
                    .isInstanceOf(JllmException.class)
                    .hasMessage("fp8 runs on the CUDA backend only (Hopper/Ada, sm_89+)");
        } finally {
            backend.close();
        }
    }

    /** Row {@code sourceRow} of a [rows, 64 or 128] source matches engine row {@code engineRow}, code for code. */
    private static void expectRow(float[] source, int sourceRow, TensorView codes, float[] scales, int engineRow) {
        int columns = Math.toIntExact(codes.dim(1));
        float max = 0f;
        for (int i = 0; i < columns; i++) {
            max = Math.max(max, Math.abs(source[sourceRow * columns + i]));
        }
        float scale = max / 448f;
        assertThat(scales[engineRow]).as("scale of row %d", engineRow).isEqualTo(scale);
        for (int i = 0; i < columns; i++) {
            float weight = source[sourceRow * columns + i];
            byte code = codes.data().get(ValueLayout.JAVA_BYTE, (long) engineRow * columns + i);
            assertThat(code).as("row %d column %d", engineRow, i).isEqualTo(Fp8E4m3.encode(weight / scale));
            assertThat((double) Fp8E4m3.decode(code) * scale).isCloseTo(weight,
                    Offset.offset(Math.abs(weight) / 16.0 + scale / 512.0));
        }
    }
}
