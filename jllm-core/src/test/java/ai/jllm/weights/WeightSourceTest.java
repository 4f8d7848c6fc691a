package ai.jllm.weights;

import static ai.jllm.weights.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the weights of a model directory. */
class WeightSourceTest {

    @TempDir
    Path dir;

    private Path writeFile(String fileName, String tensor) {
        Path file = dir.resolve(fileName);
        try (SafetensorsWriter writer = SafetensorsWriter.create(file,
                List.of(new TensorSpec(tensor, DType.U8, new long[] {1})))) {
            writer.write(tensor, bytes(1));
        }
        return file;
    }

    private static String onlyName(WeightSource source) {
        assertThat(source.names()).hasSize(1);
        return source.names().iterator().next();
    }

    @Test
    void prefersModelSafetensors() throws IOException {
        writeFile("model.safetensors", "single");
        writeFile("model-00001-of-00001.safetensors", "sharded");
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"sharded\": \"model-00001-of-00001.safetensors\"}}");
        try (WeightSource source = WeightSource.open(dir)) {
            assertThat(source).isInstanceOf(SafetensorsFile.class);
            assertThat(onlyName(source)).isEqualTo("single");
        }
    }

    @Test
    void opensTheIndexWhenThereIsNoSingleFile() throws IOException {
        writeFile("model-00001-of-00001.safetensors", "sharded");
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"sharded\": \"model-00001-of-00001.safetensors\"}}");
        try (WeightSource source = WeightSource.open(dir)) {
            assertThat(onlyName(source)).isEqualTo("sharded");
        }
    }

    @Test
    void opensTheOnlySafetensorsFileWhateverItsName() {
        writeFile("consolidated.safetensors", "only");
        try (WeightSource source = WeightSource.open(dir)) {
            assertThat(onlyName(source)).isEqualTo("only");
        }
    }

    @Test
    void opensFilesNamedDirectly() throws IOException {
        Path file = writeFile("rank0.safetensors", "rank0");
        writeFile("rank1.safetensors", "rank1");
        try (WeightSource source = WeightSource.open(file)) {
            assertThat(onlyName(source)).isEqualTo("rank0");
        }
        Path notWeights = Files.writeString(dir.resolve("config.json"), "{}");
        assertThatThrownBy(() -> WeightSource.open(notWeights))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("is neither a .safetensors file nor");
    }

    @Test
    void severalFilesWithoutAnIndexAreAmbiguous() {
        writeFile("b.safetensors", "b");
        writeFile("a.safetensors", "a");
        assertThatThrownBy(() -> WeightSource.open(dir))
                .isInstanceOf(JllmException.class)
                .hasMessage(dir + " holds several .safetensors files (a.safetensors, b.safetensors) but no"
                        + " model.safetensors.index.json saying how they fit together");
    }

    @Test
    void noWeightsNamesTheDirectory() throws IOException {
        assertThatThrownBy(() -> WeightSource.open(dir))
                .isInstanceOf(JllmException.class)
                .hasMessage("no safetensors weights in " + dir
                        + " (looked for model.safetensors, model.safetensors.index.json and *.safetensors)");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0});
        assertThatThrownBy(() -> WeightSource.open(dir))
                .hasMessageContaining("it has PyTorch .bin/.pt weights, which jllm does not read");
        Path missing = dir.resolve("nowhere");
        assertThatThrownBy(() -> WeightSource.open(missing))
                .hasMessage("model directory " + missing + " does not exist");
    }
}
